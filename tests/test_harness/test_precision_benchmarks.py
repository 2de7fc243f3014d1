"""The two precision measurements: which runs each makes with which flags,
and the paired figures it reports (training and timing replaced by
stand-ins; the real step and wrapper are tested in tests/test_engine)."""
import json
import os.path as osp

import pytest

from benchmark_harness import precision_accuracy, precision_steps


def test_accuracy_trains_both_recipes_in_both_modes_per_seed(
        tmp_path, monkeypatch, capsys):
    calls = []

    def fake_train(config, work_dir, options, flags=()):
        calls.append((osp.basename(config), tuple(flags), tuple(options)))
        return 100.0 if not flags else 60.0

    def fake_metrics(work_dir):
        seed = int(work_dir[-1])
        bf16 = 'bf16' in work_dir
        distilled = 'tcd' in work_dir
        ap = 0.03 * distilled + 0.001 * seed + (0.0004 * (seed - 1)
                                                 if bf16 else 0)
        return {'coco/AP': ap, 'coco/AP .5': ap, 'coco/AR': ap,
                'PCK': 0.5 + ap}

    monkeypatch.setattr(precision_accuracy, 'train', fake_train)
    monkeypatch.setattr(precision_accuracy, 'last_metrics', fake_metrics)
    monkeypatch.setattr(precision_accuracy, 'verified_teacher',
                        lambda path: path)
    out = str(tmp_path / 'acc.json')
    argv = ['--seeds', '0', '1', '2', '--epochs', '2', '--work-dir',
            str(tmp_path / 'w'), '--out', out]
    result = precision_accuracy.main(argv)

    assert len(calls) == 12
    modes = {flags for _, flags, _ in calls}
    assert modes == {(), ('--amp', '--channels-last')}
    for config, flags, options in calls:
        assert 'train_cfg.max_epochs=2' in options
        assert any(o.startswith('model.teacher_ckpt=') for o in options) \
            == config.startswith('tcd')
    row = next(r for r in result['rows']
               if r['recipe'] == 'TCD + feature KD'
               and r['metric'] == 'coco/AP')
    assert row['difference']['diffs'] == pytest.approx(
        [-0.0004, 0.0, 0.0004])
    assert row['difference']['low'] < 0 < row['difference']['high']
    seconds = next(r for r in result['rows'] if r['metric'] == 'seconds')
    assert seconds['time_ratios'] == pytest.approx([100 / 60] * 3)
    report = open(out[:-5] + '.md').read()
    assert 'includes 0' in report and '1.67x' in report
    # --reuse trains nothing again
    calls.clear()
    precision_accuracy.main(argv + ['--reuse'])
    assert calls == []


def test_accuracy_needs_two_seeds(capsys):
    with pytest.raises(SystemExit):
        precision_accuracy.main(['--seeds', '0'])
    assert 'at least two seeds' in capsys.readouterr().err


def test_step_speedups_are_paired_fp32_over_mode_ratios():
    times = {'ocd/fp32': [0.10, 0.20, 0.10],
             'ocd/bf16': [0.05, 0.10, 0.05],
             'ocd/bf16-cl': [0.04, 0.08, 0.05]}
    rows = precision_steps.summarize(times, ['ocd'])
    row = rows['ocd']
    assert row['fp32_ms'] == pytest.approx(100.0)
    assert row['bf16_speedup']['median'] == pytest.approx(2.0)
    assert row['bf16-cl_speedup']['median'] == pytest.approx(2.5)
    table = precision_steps.format_table(rows, dict(
        batch=16, rounds=3, machine='m'))
    assert '| OCD | 100.0 | 50.0 | 50.0 | 2.00x (2.00-2.00) |' in table


def test_step_benchmark_refuses_a_cpu_without_bf16(monkeypatch, capsys):
    monkeypatch.setattr('mmpose_kd.utils.precision.cpu_bf16_supported',
                        lambda: False)
    with pytest.raises(SystemExit):
        precision_steps.main(['--rounds', '1'])
    assert 'no native bfloat16' in capsys.readouterr().err


def test_every_step_method_names_a_shipped_config():
    for label, config in precision_steps.METHODS.values():
        assert osp.isfile(osp.join(precision_steps.REPO_ROOT, config)), label
