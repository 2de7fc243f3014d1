"""The one Markdown table writer."""
from mmpose_kd.utils.markdown import markdown_table


def test_header_rule_and_rows():
    lines = markdown_table(('a', 'b c'), [(1, 'x'), ('|', 2.5)])
    assert lines == ['| a | b c |', '|---|---|', '| 1 | x |', '| | | 2.5 |']
    assert markdown_table(('only', ), []) == ['| only |', '|---|']
