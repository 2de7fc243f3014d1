"""The one Markdown table writer of the package, its tools and the harness."""
from typing import Iterable, List, Sequence


def markdown_table(header: Sequence[str],
                   rows: Iterable[Sequence[object]]) -> List[str]:
    """Lines of a Markdown table: the header, a ``|---|`` rule, one line per
    row (cells already formatted; anything else goes through ``str``)."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(str(cell) for cell in row) + ' |'
              for row in rows]
    return lines
