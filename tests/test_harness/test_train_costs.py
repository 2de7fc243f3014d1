"""Training costs read back from a run: seconds per iteration and memory."""
import json
import sys

import pytest

from benchmark_harness.ablation import run_costs
from benchmark_harness.train_costs import read_train_costs, run_measured


def test_run_measured_records_the_child_peak_memory(tmp_path):
    # the child allocates ~200 MB; the parent (pytest) is not counted
    code = ("import time; b = bytearray(200 * 2**20); b[::4096] = "
            "b\"x\" * len(b[::4096]); time.sleep(0.5)")
    with open(tmp_path / 'log.txt', 'w') as log:
        status = run_measured([sys.executable, '-c', code], str(tmp_path),
                              log)
    assert status == 0
    costs = read_train_costs(str(tmp_path))
    assert 200 < costs['peak_rss_mb'] < 200 + 150
    assert costs['wall_s'] > 0
    with open(tmp_path / 'log.txt', 'w') as log:
        assert run_measured([sys.executable, '-c', 'raise SystemExit(3)'],
                            str(tmp_path), log) == 3


def test_iteration_times_and_cuda_memory_come_from_the_scalar_log(tmp_path):
    run = tmp_path / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    records = [dict(loss=1.0, time=0.5, memory=900, step=10),
               dict(loss=0.9, time=0.3, memory=950, step=20),
               dict(loss=0.8, time=0.4, memory=940, step=30),
               {'coco/AP': 0.1, 'step': 3}]
    (run / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in records) + '\n')
    costs = read_train_costs(str(tmp_path))
    assert costs == {'step_s': 0.4, 'cuda_memory_mb': 950}
    assert read_train_costs(str(tmp_path / 'none')) == {}


def test_ablation_rows_average_time_and_keep_the_largest_memory():
    costs = run_costs([dict(step_s=0.2, peak_rss_mb=800),
                       dict(step_s=0.4, peak_rss_mb=900), {}])
    assert costs['step_s'] == pytest.approx(0.3)
    assert costs['peak_rss_mb'] == 900
    assert run_costs([{}]) == {}
