"""The teacher-cache benchmark runs end to end on coco_tiny (tiny settings):
its three steps train the same student on the same crops, and it reports
build cost, ratios and the break-even."""
import json

import torch

from benchmark_harness.teacher_cache_benchmark import STEPS, main
from tests.cache_runs import cached_cfg, live_cfg


def test_benchmark_reports_build_ratios_and_break_even(coco_tiny_dir,
                                                       tmp_path, capsys):
    torch.set_num_threads(1)
    work_dir = str(tmp_path / 'bench')
    live, cached = str(tmp_path / 'live.py'), str(tmp_path / 'cached.py')
    live_cfg(coco_tiny_dir, work_dir).dump(live)
    cached_cfg(coco_tiny_dir, work_dir, 'set-by-the-benchmark').dump(cached)
    out = str(tmp_path / 'result.json')
    result = main(['--live-config', live, '--cached-config', cached,
                   '--instances', '12', '--views', '2', '--batch', '4',
                   '--rounds', '2', '--warmup', '0', '--work-dir', work_dir,
                   '--out', out])
    build = result['build']
    assert (build['instances'], build['views'], build['heatmaps']) == \
        (12, 2, True)
    assert build['mb_per_1000_instances'] == \
        2 * build['mb_per_1000_instance_views']
    assert set(result['times_s']) == set(STEPS)
    assert all(len(t) == 2 for t in result['times_s'].values())
    ratios = result['summary']['ratios']
    for name in ('cached/alone', 'live/alone'):
        assert ratios[name]['low'] <= ratios[name]['median'] <= \
            ratios[name]['high']
    with open(out) as f:
        assert json.load(f)['build']['instances'] == 12
    report = capsys.readouterr().out
    assert 'per 1,000 instance-views' in report and 'break-even' in report

    # the three models start from one student and see one batch
    from types import SimpleNamespace

    from benchmark_harness.teacher_cache_benchmark import (StepBench,
                                                           load_configs)
    args = SimpleNamespace(live_config=live, cached_config=cached,
                           cfg_options=None,
                           teacher_ckpt=live_cfg(coco_tiny_dir,
                                                 work_dir).teacher_ckpt,
                           cache_dir=f'{work_dir}/cache')
    bench = StepBench(*load_configs(args), batch_size=4, device='cpu')
    alone = bench.models['alone'].state_dict()
    for name in ('cached', 'live'):
        student = bench.models[name].student.state_dict()
        assert all(torch.equal(alone[k], student[k]) for k in alone), name
    assert bench.models['cached'].teacher is None
    assert bench.models['live'].teacher is not None
    assert len(bench.data['inputs']) == 4
    assert all('teacher_targets' in s for s in bench.data['data_samples'])
