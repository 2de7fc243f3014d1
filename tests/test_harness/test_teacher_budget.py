"""``benchmark.py --budget``: which runs it plans, the report it writes from
their learning curves, the targets it prints, and its bad inputs (a budget
that is not one, a ``--reuse`` dir made by other configs, a run that dies).
Trainings are stand-ins writing what tools/train.py writes
(:mod:`budget_standin`)."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from benchmark_harness import (ablation, benchmark, benchmark_stages,
                               budget_report, budget_targets, teacher_budget)
from benchmark_harness.methods import (BY_ID, SELECTIONS, TEACHER_BUDGET,
                                       budget_groups, budget_methods,
                                       group_methods)
from benchmark_harness import run_state
from benchmark_harness.run_state import FINGERPRINT
from tests.test_harness.budget_standin import StandInTraining, options_dict

TEACHER_AP = 0.69
#: Final AP of each stand-in recipe (config stem prefix), reached linearly
#: over the run; the distilled regression students pass their student
#: alone (0.10) at 1/4 (OCD), 1/3 (TCD + feature) of the run, or never.
FINAL_AP = (('td-hm_res18-w18', 0.30), ('ikd-integral_', 0.60),
            ('td-reg_res18-w16_', 0.10), ('ocd_', 0.44),
            ('tcd_hm-res18-w32_reg-res18-w16_', 0.09),
            ('tcd-ikd-feat_', 0.30), ('td-ipr_', 0.20),
            ('td-reg_res18-w16-downsized', 0.15),
            ('tcd_hm-res18-w32_reg-res18-w16-downsized', 0.20))
HEAD_FLOPS = {'crd.downsized-tcd': 1_630_000,
              'crd.full-integral-alone': 19_830_000}


def stand_in_ap(stem, seed, fraction):
    final = next((ap for prefix, ap in FINAL_AP if stem.startswith(prefix)),
                 0.2)  # the SimCC pair
    # the downsized head + TCD differs from the full head alone by +-0.002
    # from seed to seed: a paired interval around zero
    noise = 0.002 * (-1) ** seed if stem.startswith('tcd_hm-res18-w32_reg-'
                                                    'res18-w16-downsized') \
        else 0.0
    return final * fraction + 0.001 * seed + noise * fraction


def distilled_time(stem):
    return 0.1 if stem.startswith(('td-', 'ocd_')) else 0.2


@pytest.fixture
def harness(monkeypatch):
    """Stand-in training, teacher evaluation, model sizes and head FLOPs;
    returns a function installing a stand-in training."""
    monkeypatch.setattr(benchmark_stages, 'evaluate', lambda *args: {
        'coco/AP': TEACHER_AP, 'PCK': 0.92})
    monkeypatch.setattr(ablation, 'model_costs', lambda config: dict(
        params=1_000_000, train_params=1_200_000, flops=50_000_000))
    monkeypatch.setattr(budget_report, 'deployed_head_flops',
                        lambda config: next(
                            v for k, v in HEAD_FLOPS.items()
                            if config.endswith(BY_ID[k].config)))

    def install(**kwargs):
        training = StandInTraining(stand_in_ap, distilled_time, **kwargs)
        monkeypatch.setattr(ablation, 'train', training)
        return training
    return install


def dying(dies):
    """``dies_after`` for the stand-in: ``{(stem prefix, seed): epoch}``,
    read when called, so a test can clear it for the rerun."""
    return lambda stem, seed: next(
        (epoch for (prefix, s), epoch in dies.items()
         if stem.startswith(prefix) and s == seed), None)


def budget_argv(tmp_path, budget='teacher', *extra):
    return ['--budget', budget, '--seeds', '0', '1', '--jobs', '2',
            '--work-dir', str(tmp_path / 'work'),
            '--out-dir', str(tmp_path / 'out'), *extra]


def test_budget_values_and_their_errors(capsys):
    parse = benchmark.parse_args
    assert parse(['--budget', 'teacher']).budget == 'teacher'
    assert parse(['--budget', '12']).budget == 12
    assert parse(['--budget', '12']).groups == budget_groups() == [
        'ikd', 'crd']
    assert parse(['--scale', '3']).groups == list(benchmark.DEFAULT_GROUPS)
    for bad in ('0', '-3', '2.5', 'student', ''):
        with pytest.raises(SystemExit) as exit_:
            parse(['--budget', bad])
        assert exit_.value.code == 2
        error = capsys.readouterr().err
        assert f'argument --budget: {bad!r} is neither \'teacher\'' in error
        assert 'positive whole number of student epochs' in error
    with pytest.raises(SystemExit):
        parse(['--budget', 'teacher', '--scale', '2'])
    assert 'not allowed with argument' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(['--budget', '6', '--groups', 'ikd-bf16-teacher'])
    error = capsys.readouterr().err
    assert "group 'ikd-bf16-teacher' has no method in the 'claims' selection" \
        in error and 'on request dwpose-pair' in error


def test_the_teacher_budget_is_the_shipped_teachers_epochs():
    teacher = osp.join(benchmark.REPO_ROOT, 'configs', 'quickstart',
                       'td-hm_res18-w32_synthetic-128x96.py')
    epochs = Config.fromfile(teacher).train_cfg.max_epochs
    assert teacher_budget.budget_epochs('teacher') == epochs == 24
    assert teacher_budget.budget_epochs(7) == 7


def test_the_selection_is_defined_once_by_ids():
    selected = budget_methods(['ikd', 'crd'])
    assert [m.id for ms in selected.values() for m in ms] == \
        list(TEACHER_BUDGET)
    assert all(osp.isfile(osp.join(benchmark.REPO_ROOT, m.config))
               for m in BY_ID.values())
    # TCD + feature is trained only where a selection names it
    assert BY_ID['crd.tcd-feat'].config.startswith('configs/crd/tcd-ikd-feat')
    assert 'crd.tcd-feat' not in [m.id for m in group_methods('crd')]
    # the DWPose pair on request: the whole group
    pair = budget_methods(['crd', 'dwpose-pair'])['dwpose-pair']
    assert pair == group_methods('dwpose-pair')
    # ... or the pair's own selection: its methods, the null option left out
    assert budget_groups('dwpose-pair') == ['dwpose-pair']
    pair = budget_methods(['dwpose-pair'], 'dwpose-pair')['dwpose-pair']
    assert [m.id for m in pair] == list(SELECTIONS['dwpose-pair'])
    assert 'dwpose-pair.mmpose-kd-teacher-bn-batch' not in SELECTIONS[
        'dwpose-pair']
    assert pair[0].id == 'dwpose-pair.student-alone'


def test_a_selection_trains_its_methods_and_reports_beside_the_claims(
        tmp_path, harness, capsys):
    training = harness()
    benchmark.main(budget_argv(tmp_path, '6'))
    claims_report = (tmp_path / 'out' / 'results_budget.md').read_text()
    training.calls.clear()
    result = benchmark.main(budget_argv(tmp_path, '6', '--selection',
                                        'ikd-terms', '--reuse'))
    # the student alone and integral IKD are the claims' runs, reused;
    # the single terms train
    assert sorted({c['stem'].split('_')[0] for c in training.calls}) == [
        'ikd-feature', 'ikd-keypoint-relation', 'ikd-logit']
    assert [row['id'] for row in result['accuracy']] == list(
        SELECTIONS['ikd-terms'])
    assert result['budget']['selection'] == 'ikd-terms'
    out = tmp_path / 'out'
    assert (out / 'results_budget.md').read_text() == claims_report
    markdown = (out / 'results_budget_ikd-terms.md').read_text()
    assert markdown.startswith('### Teacher budget: 6 epochs per student, '
                               "selection 'ikd-terms'")
    assert (out / 'curves_budget_ikd-terms_ikd.png').stat().st_size > 10_000
    # where along the run each method leads: the paired gain per epoch
    # (stand-ins: integral 0.60, student alone 0.30 at the end, linear)
    integral = next(r for r in result['accuracy']
                    if r['id'] == 'ikd.integral')
    assert sorted(integral['gain_by_epoch'], key=int) == ['3', '6']
    assert integral['gain_by_epoch']['3']['mean'] == pytest.approx(0.15)
    assert integral['gain_by_epoch']['6']['mean'] == pytest.approx(0.30)
    assert '| integral (all three) | +0.150 [+0.150, +0.150] | +0.300 ' \
        in markdown
    # a partial report of another selection resumes with that selection
    pending = benchmark.main(budget_argv(
        tmp_path, '6', '--selection', 'ikd-schedules', '--report-only'))[
            'pending']
    assert pending[0].startswith(
        '4 trainings not finished yet; resume them with `python tools/'
        'analysis/benchmark.py --budget 6 --selection ikd-schedules --reuse')


def test_a_selection_needs_a_budget(capsys):
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--scale', '1', '--selection', 'ikd-terms'])
    assert '--selection chooses the methods of a --budget benchmark' in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--budget', '6', '--selection', 'ikd'])
    assert "invalid choice: 'ikd'" in capsys.readouterr().err


def test_budget_run_plans_trains_and_reports(tmp_path, harness, capsys):
    training = harness()
    result = benchmark.main(budget_argv(tmp_path))

    # every selected method at each seed, 24 epochs validated every 3, the
    # cosine stretched, the distillers given the shipped teacher
    assert sorted((c['stem'], c['seed']) for c in training.calls) == sorted(
        (osp.splitext(osp.basename(BY_ID[i].config))[0], seed)
        for i in TEACHER_BUDGET for seed in (0, 1))
    for call in training.calls:
        options = options_dict(call['options'])
        assert options['train_cfg.max_epochs'] == '24'
        assert options['train_cfg.val_interval'] == '3'
        assert options['param_scheduler.1.T_max'] == '24'
        assert options['randomness.seed'] == str(call['seed'])
        assert call['work_dir'].startswith(str(tmp_path / 'work' /
                                               'budget-24ep' / 'ablation'))
        assert call['flags'] == []
        distilled = call['stem'].startswith(('ikd-', 'tcd'))
        assert options.get('model.teacher_ckpt', '').endswith(
            'quickstart_teacher_fp16.pth') == distilled
    assert result['budget'] == dict(name='teacher', selection='claims',
                                    epochs=24, val_interval=3, seeds=[0, 1])

    rows = {row['id']: row for row in result['accuracy']}
    assert list(rows) == list(TEACHER_BUDGET)
    integral = rows['ikd.integral']
    assert integral['ap'] == pytest.approx(0.6005)
    assert integral['ap50'] == pytest.approx(1.0)
    assert integral['ar'] == pytest.approx(0.6505)
    assert integral['pck'] == pytest.approx(1.1005)
    assert integral['ap_gain']['mean'] == pytest.approx(0.30)
    assert integral['ap_gap_closed'] == pytest.approx(0.30 / (0.69 - 0.3005))
    assert rows['crd.downsized-tcd']['baseline'] == 'downsized head alone'

    # time to accuracy, per seed, against the same seed's student alone
    ocd = rows['crd.ocd']['time_to_accuracy']
    assert {s: t['epoch'] for s, t in ocd['per_seed'].items()} == {0: 6,
                                                                    1: 6}
    assert ocd['per_seed'][0]['iterations'] == 6 * 25
    assert ocd['iterations_ratio'] == pytest.approx(0.25)
    assert ocd['seconds_ratio'] == pytest.approx(0.25, abs=0.01)
    feat = rows['crd.tcd-feat']['time_to_accuracy']
    assert feat['iterations_ratio'] == pytest.approx(9 / 24)
    # twice the alone run's seconds per iteration
    assert feat['seconds_ratio'] == pytest.approx(2 * 9 / 24, abs=0.02)
    tcd = rows['crd.tcd']['time_to_accuracy']
    assert tcd['reached'] == 0 and tcd['iterations_ratio'] is None

    out = tmp_path / 'out'
    assert json.loads((out / 'results_budget.json').read_text())[
        'budget']['epochs'] == 24
    for group in ('ikd', 'crd'):
        assert (out / f'curves_budget_{group}.png').stat().st_size > 10_000
    markdown = (out / 'results_budget.md').read_text()
    assert '| crd | TCD (teacher-aided) |' in markdown
    assert '- (not reached, not reached)' in markdown
    assert '| OCD (online) | 0 | 0.1000 | 6 | 150 | 0.250 |' in markdown

    targets = {t['target']: t for t in result['targets']}
    printed = capsys.readouterr().out
    gap = targets['OCD (online) closes >= 50% of the teacher-student AP '
                  'gap']
    assert gap['met'] and '- OCD (online) closes >= 50% of the teacher-' \
        'student AP gap: met (0.577 >= 0.500)' in printed
    missed = targets['TCD + feature closes >= 50% of the teacher-student '
                     'AP gap']
    assert not missed['met'] and missed['margin'] == pytest.approx(
        0.2 / 0.5895 - 0.5, abs=1e-3)
    assert 'AP gap: missed by 0.161 (0.339; needs >= 0.500)' in printed
    assert targets['OCD (online) reaches the student-alone\'s final AP '
                   'within 1/4 of its iterations (mean over seeds)']['met']
    assert ('TCD + feature reaches the student-alone\'s final AP within 1/4 '
            'of its iterations (mean over seeds): missed by 0.125 (0.375; '
            'needs <= 0.250)') in printed
    assert ('integral (all three): 95% interval of the paired AP gain '
            'excludes zero (low end): met (0.300 > 0.000; gain +0.3000 '
            '[+0.3000, +0.3000], 2 seeds)') in printed
    downsized = next(t for name, t in targets.items()
                     if name.startswith('downsized head + TCD: AP not below'))
    assert downsized['met'] and downsized['value'] > 0
    flops = next(t for name, t in targets.items() if '5x fewer' in name)
    assert flops['met'] and flops['value'] == pytest.approx(19.83 / 1.63)


def test_the_pair_on_request_trains_its_teacher_for_the_budget(
        tmp_path, harness):
    training = harness()
    benchmark.main(budget_argv(tmp_path, '3', '--groups', 'dwpose-pair'))
    teacher, *students = training.calls
    assert teacher['stem'] == 'td-simcc_res18-w32_synthetic-128x96'
    assert options_dict(teacher['options'])['train_cfg.max_epochs'] == '3'
    assert len(students) == 2 * len(group_methods('dwpose-pair'))
    assert all(any(o.startswith('model.teacher_pretrained=') or
                   o.startswith('model.teacher_ckpt=') for o in s['options'])
               == (not s['stem'].startswith('td-')) for s in students)


def test_the_pair_selection_trains_its_methods_and_names_its_teacher(
        tmp_path, harness):
    training = harness()
    result = benchmark.main(budget_argv(tmp_path, '3', '--selection',
                                        'dwpose-pair'))
    teacher, *students = training.calls
    assert teacher['stem'] == 'td-simcc_res18-w32_synthetic-128x96'
    assert sorted({c['stem'] for c in students}) == sorted(
        osp.splitext(osp.basename(BY_ID[i].config))[0]
        for i in SELECTIONS['dwpose-pair'])
    assert [row['id'] for row in result['accuracy']] == list(
        SELECTIONS['dwpose-pair'])
    markdown = (tmp_path / 'out' /
                'results_budget_dwpose-pair.md').read_text()
    pair_teacher = result['pair_teacher']
    assert result['teacher'] == {}   # the quick-start teacher is not used
    assert (f'validation every 3 epochs; SimCC pair teacher AP '
            f'{pair_teacher["coco/AP"]:.4f}, PCK@0.1 '
            f'{pair_teacher["PCK"]:.4f}.') in markdown


def test_reuse_refuses_a_run_made_with_another_config(tmp_path, harness,
                                                      capsys):
    training = harness()
    benchmark.main(budget_argv(tmp_path, '3'))
    ocd_dir = next(c['work_dir'] for c in training.calls
                   if c['stem'].startswith('ocd_') and c['seed'] == 1)
    # another commit's recipe: a different learning rate
    path = osp.join(ocd_dir, FINGERPRINT)
    with open(path) as f:
        stored = json.load(f)
    stored['resolved']['optim_wrapper']['optimizer']['lr'] = 5e-3
    stored['sha256'] = 'another'
    with open(path, 'w') as f:
        json.dump(stored, f)
    training.calls.clear()
    with pytest.raises(SystemExit) as exit_:
        benchmark.main(budget_argv(tmp_path, '3', '--reuse'))
    message = str(exit_.value.code)
    assert message.startswith('--reuse refused')
    assert '[crd] OCD (online), seed 1: ' + ocd_dir in message
    assert 'optim_wrapper.optimizer.lr: 0.005 -> 0.002' in message
    assert training.calls == []  # refused before training anything
    # without the change everything is reused
    stored['resolved']['optim_wrapper']['optimizer']['lr'] = 2e-3
    with open(osp.join(ocd_dir, 'run_fingerprint.json'), 'w') as f:
        json.dump(stored, f)
    with pytest.raises(SystemExit):  # the sha256 still differs
        benchmark.main(budget_argv(tmp_path, '3', '--reuse'))
    benchmark.main(budget_argv(tmp_path, '3'))  # afresh, no --reuse
    benchmark.main(budget_argv(tmp_path, '3', '--reuse'))
    assert len(training.calls) == 2 * len(TEACHER_BUDGET)


def test_a_failing_run_is_reported_and_the_rerun_resumes_it(
        tmp_path, harness, capsys):
    # OCD seed 1 dies after its 4th epoch's checkpoint, TCD seed 0 before
    # its first
    dies = {('ocd_', 1): 4, ('tcd_hm-res18-w32_reg-res18-w16_s', 0): 0}
    training = harness(dies_after=dying(dies))
    with pytest.raises(SystemExit) as exit_:
        benchmark.main(budget_argv(tmp_path, '6'))
    message = str(exit_.value.code)
    ocd_dir = next(c['work_dir'] for c in training.calls
                   if c['stem'].startswith('ocd_') and c['seed'] == 1)
    assert message.startswith('2 of 18 trainings failed')
    assert f'[crd] OCD (online), seed 1 (log: {ocd_dir}/train_stdout.log)' \
        in message
    assert '[crd] TCD (teacher-aided), seed 0 (log: ' in message
    assert '--reuse' in message
    printed = capsys.readouterr().out
    assert 'FAILED [crd] OCD (online), seed 1: training' in printed
    # the others all ran, and the report covers them
    assert len(training.calls) == 18
    result = json.loads((tmp_path / 'out' / 'results_budget.json')
                        .read_text())
    rows = {row['id']: row for row in result['accuracy']}
    assert rows['crd.ocd']['seed_list'] == [0]
    assert rows['crd.tcd']['seed_list'] == [1]
    targets = {t['target']: t for t in result['targets']}
    one_seed = targets['OCD (online): 95% interval of the paired AP gain '
                       'excludes zero (low end)']
    assert not one_seed['met'] and one_seed['note'] == \
        'fewer than 2 paired seeds'

    assert rows['crd.student-alone']['seed_list'] == [0, 1]
    assert len(result['failed']) == 2
    assert '### Runs that failed' in (tmp_path / 'out' /
                                      'results_budget.md').read_text()

    # the rerun trains only those two: OCD resumed from its epoch-4
    # checkpoint, TCD (no checkpoint) afresh
    dies.clear()
    training.calls.clear()
    result = benchmark.main(budget_argv(tmp_path, '6', '--reuse'))
    assert sorted((c['stem'][:4], c['seed'], c['flags'])
                  for c in training.calls) == [
        ('ocd_', 1, ['--resume']), ('tcd_', 0, [])]
    rows = {row['id']: row for row in result['accuracy']}
    assert rows['crd.ocd']['seed_list'] == [0, 1]
    assert result['failed'] == []
    # the restarted run's partial log is gone: one log, one curve
    tcd_dir = next(c['work_dir'] for c in training.calls
                   if c['stem'].startswith('tcd_'))
    assert len([n for n in os.listdir(tcd_dir) if n.startswith('2026')]) \
        == 1
    # the resumed run's curve joins its two logs: validations at 3 and 6
    from benchmark_harness.learning_curves import read_curve
    curve = read_curve(ocd_dir)
    assert curve.epochs == [3, 6] and curve.total_iterations == 150
    assert len([n for n in os.listdir(ocd_dir) if n.startswith('2026')]) \
        == 2


def test_head_flops_are_the_deployed_models_as_the_complexity_tool_counts():
    """The real count behind the >= 5x target (docs/crd.md: 19.83 -> 1.63
    MFLOPs on the default data)."""
    flops = {key: budget_report.deployed_head_flops(
        osp.join(benchmark.REPO_ROOT, BY_ID[key].config))
        for key in HEAD_FLOPS}
    assert flops == pytest.approx(HEAD_FLOPS, rel=0.01)


def test_targets_without_a_value_say_why_they_are_missed():
    rows = [dict(id='crd.ocd', method='OCD (online)', ap_gap_closed=None,
                 time_to_accuracy=dict(per_seed={}, reached=1, seeds=2,
                                       iterations_ratio=None)),
            dict(id='ikd.integral', method='integral (all three)',
                 ap_gap_closed=0.4)]
    texts = {t['target']: budget_targets.check_text(t)
             for t in budget_targets.budget_targets(rows)}
    assert texts['OCD (online) reaches the student-alone\'s final AP within '
                 '1/4 of its iterations (mean over seeds)'] == \
        'missed (not reached on 1 of 2 seeds)'
    assert texts['OCD (online) closes >= 50% of the teacher-student AP '
                 'gap'] == 'missed (no baseline or teacher AP)'
    assert texts['integral (all three) reaches the student-alone\'s final AP '
                 'within 1/4 of its iterations (mean over seeds)'] == \
        'missed (no student-alone run on its seeds)'
    assert texts['integral (all three) closes >= 50% of the teacher-student '
                 'AP gap'] == 'missed by 0.100 (0.400; needs >= 0.500)'
    # no downsized pair, no head FLOPs: those targets are not listed
    assert not any('downsized' in name for name in texts)


def test_runs_go_seed_by_seed(tmp_path, harness):
    """A benchmark stopped part-way holds whole seeds: every method at the
    first seed before any at the next."""
    training = harness()
    benchmark.main(budget_argv(tmp_path, '3', '--jobs', '1'))
    seeds = [call['seed'] for call in training.calls]
    half = len(TEACHER_BUDGET)
    assert seeds == [0] * half + [1] * half


def test_report_only_reports_finished_runs_and_names_the_rest(
        tmp_path, harness, capsys):
    # OCD seed 1 and TCD seed 0 have not finished when the report is asked
    dies = {('ocd_', 1): 2, ('tcd_hm-res18-w32_reg-res18-w16_s', 0): 0}
    training = harness(dies_after=dying(dies))
    with pytest.raises(SystemExit):
        benchmark.main(budget_argv(tmp_path, '6'))
    training.calls.clear()
    capsys.readouterr()

    result = benchmark.main(budget_argv(tmp_path, '6', '--report-only'))
    assert training.calls == []  # nothing trained
    rows = {row['id']: row for row in result['accuracy']}
    assert rows['crd.ocd']['seed_list'] == [0]
    assert rows['crd.tcd']['seed_list'] == [1]
    assert rows['ikd.integral']['seed_list'] == [0, 1]
    assert result['failed'] == []
    note, *names = result['pending']
    assert note.startswith('2 trainings not finished yet; resume them with '
                           '`python tools/analysis/benchmark.py --budget 6 '
                           '--reuse --seeds 0 1 --groups ikd crd`')
    assert names == ['[crd] TCD (teacher-aided), seed 0',
                     '[crd] OCD (online), seed 1']
    markdown = (tmp_path / 'out' / 'results_budget.md').read_text()
    assert '**Partial report.** 2 trainings not finished yet' in markdown
    assert '- [crd] OCD (online), seed 1\n' in markdown

    # a run made with another configuration is refused, by name
    ocd_dir = next(d for d in (tmp_path / 'work' / 'budget-6ep' / 'ablation'
                               / 'crd').iterdir()
                   if d.name.startswith('ocd_') and d.name.endswith('0'))
    path = ocd_dir / FINGERPRINT
    stored = json.loads(path.read_text())
    stored['sha256'] = 'another'
    path.write_text(json.dumps(stored))
    with pytest.raises(SystemExit) as exit_:
        benchmark.main(budget_argv(tmp_path, '6', '--report-only'))
    assert str(exit_.value.code).startswith(
        '--report-only refused: [crd] OCD (online), seed 0: ')


def test_report_only_needs_a_budget_and_never_trains_a_teacher(
        tmp_path, harness, capsys):
    with pytest.raises(SystemExit) as exit_:
        benchmark.parse_args(['--report-only'])
    assert exit_.value.code == 2
    assert '--report-only reports a --budget benchmark' in \
        capsys.readouterr().err
    training = harness()
    with pytest.raises(SystemExit) as exit_:
        benchmark.main(budget_argv(tmp_path, '3', '--groups', 'dwpose-pair',
                                   '--report-only'))
    assert training.calls == []
    message = str(exit_.value.code)
    assert message.startswith('--report-only: the teacher configs/benchmark/'
                              'td-simcc_res18-w32_synthetic-128x96.py has '
                              'not finished its 3 epochs in ')


def test_finished_runs_are_archived_and_restored_on_another_machine(
        tmp_path, harness, capsys):
    """A benchmark longer than a machine's life: the finished runs' logs
    go to the repository (--out-dir), and --reuse on a new machine (an
    empty work dir) restores them instead of training them again."""
    dies = {('ocd_', 1): 1}
    training = harness(dies_after=dying(dies))
    with pytest.raises(SystemExit):
        benchmark.main(budget_argv(tmp_path, '3'))
    first = json.loads((tmp_path / 'out' / 'results_budget.json')
                       .read_text())
    archive = tmp_path / 'out' / 'budget-3ep_runs'
    archived = sorted(p.parent.name for p in archive.glob(
        '*/*/run_fingerprint.json'))
    assert len(archived) == 2 * len(TEACHER_BUDGET) - 1  # not OCD seed 1
    assert not [p for p in archive.rglob('*.pth')]  # no checkpoints
    fingerprint = json.loads(next(archive.glob(
        'crd/tcd_*seed0/run_fingerprint.json')).read_text())
    assert fingerprint['resolved']['model']['teacher_ckpt'] == \
        '{repo}/checkpoints/quickstart_teacher_fp16.pth'

    # a new machine: no work dir, the archive in the checkout
    dies.clear()
    training.calls.clear()
    argv = budget_argv(tmp_path, '3', '--reuse')
    argv[argv.index('--work-dir') + 1] = str(tmp_path / 'new_machine')
    result = benchmark.main(argv)
    assert [(c['stem'][:4], c['seed']) for c in training.calls] == [
        ('ocd_', 1)]  # only the unfinished run trains
    assert 'restored [ikd] integral (all three), seed 0 from' in \
        capsys.readouterr().out
    rows = {row['id']: row for row in result['accuracy']}
    old = {row['id']: row for row in first['accuracy']}
    assert rows['ikd.integral']['aps'] == old['ikd.integral']['aps']
    assert rows['crd.ocd']['seed_list'] == [0, 1]
    # a changed recipe is not restored: that run trains again
    training.calls.clear()
    argv[argv.index('--work-dir') + 1] = str(tmp_path / 'third_machine')
    stored_path = next(archive.glob('crd/td-ipr_*seed0/run_fingerprint.json'))
    stored = json.loads(stored_path.read_text())
    stored['resolved']['optim_wrapper']['optimizer']['lr'] = 5e-3
    stored['sha256'] = run_state.fingerprint_digest(stored['resolved'])
    stored_path.write_text(json.dumps(stored))
    benchmark.main(argv)
    assert [(c['stem'][:7], c['seed']) for c in training.calls] == [
        ('td-ipr_', 0)]
    assert 'was made with another configuration' in capsys.readouterr().out


def test_fingerprints_write_the_checkout_root_as_a_token():
    from benchmark_harness import REPO_ROOT
    assert run_state.portable({'a': [f'{REPO_ROOT}/x', 1]}) == {
        'a': ['{repo}/x', 1]}
    config = osp.join(REPO_ROOT, BY_ID['crd.tcd'].config)
    option = (f'model.teacher_ckpt={REPO_ROOT}/checkpoints/'
              'quickstart_teacher_fp16.pth')
    current = run_state.fingerprint(config, ('randomness.seed=0', option))
    assert current['options'][1] == ('model.teacher_ckpt={repo}/checkpoints/'
                                     'quickstart_teacher_fp16.pth')
    # a record written before the token, in this checkout, still matches
    written_out = json.loads(json.dumps(current).replace('{repo}',
                                                         REPO_ROOT))
    written_out['sha256'] = run_state.fingerprint_digest(
        written_out['resolved'])
    assert run_state.same_configuration(written_out, current)
    edited = dict(written_out, sha256='edited by hand')
    assert not run_state.same_configuration(edited, current)
