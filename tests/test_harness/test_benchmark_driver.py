"""The one-command benchmark driver: what it trains, in which order, with
which teacher checkpoints and epochs, and the report it assembles. Training
itself is replaced by a stand-in that writes what tools/train.py would (a
checkpoint and a final validation record), so the plumbing is tested in
seconds; real trainings are covered by the config and tool tests."""
import json
import os
import os.path as osp

import pytest

from benchmark_harness import ablation, benchmark, benchmark_stages


def fake_train(calls, threads_seen=None):
    def train(config, work_dir, options, flags=(), threads=None):
        calls.append((osp.basename(config), work_dir, list(options)))
        if threads_seen is not None:
            threads_seen.append(threads)
        assert list(flags) == []  # --amp only with --device cuda
        epochs = int(next(o.split('=')[1] for o in options
                          if o.startswith('train_cfg.max_epochs=')))
        seed = int(next(o.split('=')[1] for o in options
                        if o.startswith('randomness.seed=')))
        os.makedirs(osp.join(work_dir, 'run', 'vis_data'), exist_ok=True)
        ap = 0.1 + 0.01 * seed + (0.05 if 'ikd-' in config else 0.0)
        with open(osp.join(work_dir, 'run', 'vis_data', 'scalars.json'),
                  'w') as f:
            f.write(json.dumps({'loss': 1.0, 'time': 0.1, 'step': 1}) +
                    '\n')
            f.write(json.dumps({'coco/AP': ap, 'PCK': 2 * ap,
                                'step': epochs}) + '\n')
        checkpoint = osp.join(work_dir, f'epoch_{epochs}.pth')
        open(checkpoint, 'w').close()
        with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
            f.write(checkpoint)
        return 1.0
    return train


def fake_evaluate(evaluated):
    def evaluate(config, checkpoint, work_dir):
        evaluated.append((osp.basename(config), checkpoint))
        return {'coco/AP': 0.69, 'PCK': 0.92}
    return evaluate


def test_driver_evaluates_the_shipped_teacher_trains_the_rest_and_reports(
        tmp_path, monkeypatch, capsys):
    calls, evaluated, threads = [], [], []
    monkeypatch.setattr(benchmark_stages, 'evaluate',
                        fake_evaluate(evaluated))
    monkeypatch.setattr(ablation, 'train', fake_train(calls, threads))
    monkeypatch.setattr(ablation, 'model_costs', lambda config: dict(
        params=1_000_000, train_params=1_200_000, flops=10_000_000))
    out_dir = str(tmp_path / 'out')
    result = benchmark.main([
        '--scale', '2', '--groups', 'ikd', 'dwpose-pair', '--skip-steps',
        '--skip-cache', '--seeds', '0', '1', '--jobs', '2',
        '--work-dir', str(tmp_path / 'work'), '--out-dir', out_dir])

    # the shipped heatmap teacher is evaluated, never trained
    assert evaluated == [('td-hm_res18-w32_synthetic-128x96.py', osp.join(
        benchmark.REPO_ROOT, 'checkpoints', 'quickstart_teacher_fp16.pth'))]
    teachers = [c for c in calls
                if osp.basename(osp.dirname(c[1])) == 'teachers']
    assert [t[0] for t in teachers] == [
        'td-simcc_res18-w32_synthetic-128x96.py']
    assert calls[0] == teachers[0]  # the teacher before any student
    assert 'train_cfg.max_epochs=6' in teachers[0][2]
    students = calls[1:]
    assert len(students) == 2 * (len(ablation.GROUPS['ikd']) +
                                 len(ablation.GROUPS['dwpose-pair']))
    assert all('train_cfg.max_epochs=2' in c[2] for c in students)
    # the teacher alone has every core; two students at a time share them
    assert threads[0] is None
    assert set(threads[1:]) == {max(1, (os.cpu_count() or 1) // 2)}
    # the cosine of every recipe is stretched to the shorter run
    assert 'param_scheduler.1.T_max=6' in teachers[0][2]
    assert all('param_scheduler.1.T_max=2' in c[2] for c in students)
    # each distiller gets its own group's teacher, under its own key
    dwpose = [c for c in students if c[0].startswith('dwpose_')]
    assert dwpose and all(
        any(o.startswith('model.teacher_pretrained=') and 'td-simcc' in o
            for o in c[2]) for c in dwpose)
    integral = [c for c in students if c[0].startswith('ikd-integral_')]
    assert integral and all(
        any(o.startswith('model.teacher_ckpt=') and
            o.endswith('quickstart_teacher_fp16.pth') for o in c[2])
        for c in integral)

    rows = {(r['group'], r['method']): r for r in result['accuracy']}
    assert rows[('ikd', 'integral (all three)')]['ap'] == \
        pytest.approx(0.155)
    # the same seeds are paired: the fake gain is +0.05 on each seed
    gain = rows[('ikd', 'integral (all three)')]['ap_gain']
    assert gain['mean'] == pytest.approx(0.05) and gain['n'] == 2
    assert result['teacher']['coco/AP'] == 0.69
    assert rows[('ikd', 'integral (all three)')]['train_params'] == 1_200_000
    for name in ('results.json', 'results.md', 'ap_vs_params.png'):
        assert osp.isfile(osp.join(out_dir, name))
    # training curves of the distilled students, first seed only
    curves = sorted(n for n in os.listdir(out_dir) if n.startswith('curves_'))
    assert curves == [
        'curves_dwpose_simcc-res18-w32_simcc-res18-w16_synthetic-128x96_seed0'
        '.png',
        'curves_ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96_seed0'
        '.png',
        'curves_kd-dwpose-losses_simcc-res18-w32_simcc-res18-w16_synthetic-'
        '128x96_seed0.png']
    assert '[' in capsys.readouterr().out  # progress lines

    # --reuse trains nothing that already reached its epochs
    calls.clear()
    evaluated.clear()
    benchmark.main([
        '--scale', '2', '--groups', 'ikd', '--skip-steps', '--reuse',
        '--skip-cache', '--seeds', '0', '1',
        '--work-dir', str(tmp_path / 'work'), '--out-dir', out_dir])
    assert calls == [] and evaluated == []
    with pytest.raises(SystemExit):  # AMP needs CUDA
        benchmark.main(['--amp', '--skip-steps'])

    # the teacher-cache stage runs unless skipped, into the output dir
    cache_argv = []
    monkeypatch.setattr(benchmark.teacher_cache_benchmark, 'main',
                        cache_argv.append)
    benchmark.main([
        '--scale', '2', '--groups', 'ikd', '--skip-steps', '--reuse',
        '--seeds', '0', '1',
        '--work-dir', str(tmp_path / 'work'), '--out-dir', out_dir])
    assert cache_argv == [['--device', 'cpu', '--out',
                           osp.join(out_dir, 'teacher_cache.json')]]

    # the step-cost stage: the DWPose-pair steps, and on a CPU with native
    # bfloat16 each method's step in the three precision modes
    step_argv, precision_argv = [], []
    monkeypatch.setattr(benchmark.benchmark_steps, 'main', step_argv.append)
    monkeypatch.setattr(benchmark.precision_steps, 'main',
                        precision_argv.append)
    monkeypatch.setattr(benchmark.benchmark_report, 'main',
                        lambda argv: {})  # the step files are stand-ins
    for bf16 in (True, False):
        monkeypatch.setattr(benchmark, 'cpu_bf16_supported', lambda: bf16)
        benchmark.main([
            '--scale', '2', '--groups', 'ikd', '--reuse', '--skip-cache',
            '--seeds', '0', '1', '--step-rounds', '7',
            '--work-dir', str(tmp_path / 'work'), '--out-dir', out_dir])
    assert len(step_argv) == 2
    assert precision_argv == [['--rounds', '7', '--out', osp.join(
        out_dir, 'precision_steps_cpu.json')]]


def logit_seed1_fails(calls):
    """The stand-in training, but the logit run of seed 1 fails."""
    good = fake_train(calls)

    def train(config, work_dir, options, flags=(), threads=None):
        if 'seed1' in work_dir and 'ikd-logit_' in config:
            raise RuntimeError('training ikd-logit failed (exit 1)')
        return good(config, work_dir, options, flags)
    return train


def test_parallel_runs_finish_before_the_first_failure_is_raised(
        tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(ablation, 'train', logit_seed1_fails(calls))
    runs = ablation.plan_group('ikd', [0, 1], 1, '/teacher.pth',
                               str(tmp_path))
    with pytest.raises(RuntimeError, match='ikd-logit failed'):
        ablation.execute(runs, 1, jobs=2)
    # every other run still trained: no work lost to one failure
    assert len(calls) == len(runs) - 1


def test_default_benchmark_is_three_paired_seeds_of_every_method():
    assert len(benchmark.DEFAULT_SEEDS) >= 3
    assert set(benchmark.DEFAULT_GROUPS) == {'ikd', 'crd', 'dwpose-pair'}


def test_the_scaled_benchmark_reports_what_finished_and_exits_non_zero(
        tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark_stages, 'evaluate', fake_evaluate([]))
    monkeypatch.setattr(ablation, 'train', logit_seed1_fails([]))
    monkeypatch.setattr(ablation, 'model_costs', lambda config: dict(
        params=1_000_000, train_params=1_200_000, flops=10_000_000))
    out_dir = tmp_path / 'out'
    with pytest.raises(SystemExit) as exit_:
        benchmark.main(['--groups', 'ikd', '--skip-steps', '--skip-cache',
                        '--seeds', '0', '1', '--work-dir',
                        str(tmp_path / 'work'), '--out-dir', str(out_dir)])
    assert str(exit_.value.code).startswith('1 of 10 trainings failed')
    assert '[ikd] + logit, seed 1 (log: ' in str(exit_.value.code)
    rows = {r['method']: r for r in json.loads(
        (out_dir / 'results.json').read_text())['accuracy']}
    assert rows['+ logit']['seeds'] == 1 and rows['+ feature']['seeds'] == 2
