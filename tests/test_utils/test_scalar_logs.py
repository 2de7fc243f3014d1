"""Reading MMEngine's scalar logs: files in run order, line-numbered errors."""
import pytest

from mmpose_kd.utils.scalar_logs import read_records, scalars_files


def test_files_in_run_order_and_records(tmp_path):
    for stamp in ('20260102_000000', '20260101_000000'):
        run = tmp_path / stamp / 'vis_data'
        run.mkdir(parents=True)
        (run / 'scalars.json').write_text('{"loss": 1.0, "step": 1}\n'
                                          '{"coco/AP": 0.5, "step": 2}\n')
    files = scalars_files(str(tmp_path))
    assert [f.split('/')[-3] for f in files] == ['20260101_000000',
                                                 '20260102_000000']
    assert list(read_records(files[0])) == [{'loss': 1.0, 'step': 1},
                                            {'coco/AP': 0.5, 'step': 2}]
    assert scalars_files(str(tmp_path / 'missing')) == []


def test_a_broken_line_names_file_and_line(tmp_path):
    path = tmp_path / 'scalars.json'
    path.write_text('{"loss": 1.0}\n{"loss": \n')
    with pytest.raises(ValueError, match=r'scalars.json:2 is not JSON'):
        list(read_records(str(path)))
