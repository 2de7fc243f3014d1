"""The benchmark report: gap closed, target checks and the output files."""
import json

import pytest

from benchmark_harness.benchmark_report import (accuracy_rows, check_targets,
                                             gap_closed, main)


def result(method, aps, pcks, params=1_000_000):
    return dict(method=method, config=f'configs/{method}.py', params=params,
                aps=aps, mean=sum(aps) / len(aps),
                spread=(max(aps) - min(aps)) / 2, pcks=pcks,
                pck_mean=sum(pcks) / len(pcks),
                pck_spread=(max(pcks) - min(pcks)) / 2)


GROUPS = dict(
    ikd=[result('student alone', [0.10, 0.12], [0.40, 0.42]),
         result('integral (all three)', [0.15, 0.17], [0.50, 0.52])],
    crd=[result('regression student alone', [0.0, 0.0], [0.30, 0.30]),
         result('OCD (online)', [0.02, 0.04], [0.32, 0.34]),
         result('TCD (teacher-aided)', [0.20, 0.22], [0.55, 0.57])])
TEACHER = {'coco/AP': 0.31, 'PCK': 0.61}


def test_gap_closed():
    assert gap_closed(0.5, 0.2, 0.8) == pytest.approx(0.5)
    assert gap_closed(0.1, 0.2, 0.2) is None


def test_rows_and_targets():
    rows = accuracy_rows(GROUPS, TEACHER)
    integral = rows[1]
    assert integral['ap'] == pytest.approx(0.16)
    assert integral['ap_gap_closed'] == pytest.approx((0.16 - 0.11) / 0.20)
    assert integral['pck_gap_closed'] == pytest.approx((0.51 - 0.41) / 0.20)
    steps = dict(steps=dict(
        ours=dict(median_s=1.0, kd_ratio=1.01, vs_dwpose=0.9),
        ours_bf16=dict(median_s=0.8, kd_ratio=0.85, vs_dwpose=0.7)))
    checks = {c['target']: c for c in check_targets(rows, steps)}
    ocd = checks['OCD >= +10 AP over the regression student alone']
    assert ocd['value'] == pytest.approx(0.03) and not ocd['met']
    tcd = checks['TCD (teacher-aided) closes >= 60% of the teacher-student '
                 'AP gap']
    assert tcd['value'] == pytest.approx(0.21 / 0.31) and tcd['met']
    assert checks['KD step <= 1.02 x (student step + teacher no-grad '
                  'forward)']['met']
    cheap = checks['cheaper teacher: KD step <= 0.9 x (student + fp32 '
                   'teacher)']
    assert cheap['met'] and cheap['note'] == 'ours_bf16'


def test_logit_only_ablation_is_the_wrapper_check_not_a_cheap_teacher():
    steps = dict(steps=dict(
        ours=dict(median_s=1.03, kd_ratio=1.03, kd_ratio_paired=1.025,
                  kd_ratio_paired_ci=[1.01, 1.04]),
        ours_logit_only=dict(median_s=0.8, kd_ratio=0.80),
        ours_channels_last=dict(median_s=0.95, kd_ratio=0.95)))
    checks = {c['target']: c for c in check_targets([], steps)}
    kd = checks['KD step <= 1.02 x (student step + teacher no-grad '
                'forward)']
    assert not kd['met']
    assert kd['note'] == 'paired per-round ratio 1.025 (1.010-1.040)'
    wrapper = checks['wrapper overhead: logit-only KD step <= 1.02 x '
                     '(student step + teacher no-grad forward)']
    assert wrapper['met'] and wrapper['value'] == pytest.approx(0.80)
    cheap = checks['cheaper teacher: KD step <= 0.9 x (student + fp32 '
                   'teacher)']
    # the logit-only run is faster but is not a cheaper-teacher option
    assert cheap['note'] == 'ours_channels_last' and not cheap['met']


def test_command_writes_json_markdown_and_png(tmp_path, capsys):
    ablation = tmp_path / 'ablation'
    ablation.mkdir()
    for group, results in GROUPS.items():
        (ablation / f'{group}_results.json').write_text(json.dumps(results))
    teacher = tmp_path / 'teacher.json'
    teacher.write_text(json.dumps({'coco/AP': 0.31, 'PCK': 0.61}))
    out = tmp_path / 'out'
    main(['--ablation-dir', str(ablation), '--teacher-metrics',
          str(teacher), '--out-dir', str(out)])
    saved = json.loads((out / 'results.json').read_text())
    assert len(saved['accuracy']) == 5 and saved['steps'] is None
    table = (out / 'results.md').read_text()
    # results without seeds (older files) show no paired gain
    assert ('| crd | TCD (teacher-aided) | regression student alone | '
            '0.2100 (0.0100) | - | 68% |'
            ) in table
    assert '| crd | TCD (teacher-aided) | 1.000 | - | - |' in table
    assert '**no**' in table  # the OCD target is reported as missed
    assert (out / 'ap_vs_params.png').stat().st_size > 10_000
    with pytest.raises(SystemExit):
        main(['--ablation-dir', str(tmp_path / 'none'), '--teacher-metrics',
              str(teacher)])


def test_bf16_and_pair_checks_use_their_own_baselines_and_teacher():
    groups = dict(GROUPS)
    groups['ikd-bf16-teacher'] = [
        result('integral, bf16 teacher', [0.158, 0.160], [0.50, 0.51])]
    groups['dwpose-pair'] = [
        result('SimCC student alone', [0.20, 0.20], [0.5, 0.5]),
        result('DWPoseDistiller (MMPose)', [0.24, 0.26], [0.6, 0.6]),
        result('mmpose_kd, DWPose losses', [0.25, 0.25], [0.6, 0.6]),
        result('mmpose_kd, DWPose losses, teacher BN and connector init as '
               'DWPose', [0.22, 0.22], [0.58, 0.58])]
    rows = {(r['group'], r['method']): r for r in accuracy_rows(
        groups, TEACHER, pair_teacher={'coco/AP': 0.30, 'PCK': 0.7})}
    bf16 = rows[('ikd-bf16-teacher', 'integral, bf16 teacher')]
    assert bf16['ap_gap_closed'] == pytest.approx((0.159 - 0.11) / 0.20)
    ours = rows[('dwpose-pair', 'mmpose_kd, DWPose losses')]
    assert ours['ap_gap_closed'] == pytest.approx(0.05 / 0.10)
    checks = {c['target'].split(' of mmpose_kd')[0]: c
              for c in check_targets(list(rows.values()), None)}
    bf16_check = next(v for k, v in checks.items()
                      if k.startswith('bf16 teacher'))
    assert bf16_check['value'] == pytest.approx(0.159 - 0.16)
    assert bf16_check['met']
    same = checks['same losses, same pair: AP']
    assert same['value'] == pytest.approx(0.0) and same['met']
    assert checks['same losses, same pair: PCK']['value'] == \
        pytest.approx(0.0)
    # the recipe with DWPose's teacher BN and connector init, held apart
    replica = checks['same losses, teacher BN and connector init as DWPose: '
                     'AP']
    assert replica['value'] == pytest.approx(-0.03) and not replica['met']


def test_targets_key_on_method_ids_not_labels():
    """A renamed label keeps its target check: rows carry the method id."""
    from benchmark_harness.methods import BY_ID, METHODS, method_id
    assert len(BY_ID) == len(METHODS)  # ids are unique
    assert method_id('crd', 'OCD (online)') == 'crd.ocd'
    renamed = dict(GROUPS)
    renamed['crd'] = [dict(r, method=f'{r["method"]} (renamed)', id=i)
                      for r, i in zip(GROUPS['crd'], (
                          'crd.student-alone', 'crd.ocd', 'crd.tcd'))]
    rows = accuracy_rows(renamed, TEACHER)
    assert {r['id'] for r in rows} >= {'crd.ocd', 'crd.tcd', 'ikd.integral'}
    checks = {c['target']: c for c in check_targets(rows, None)}
    ocd = checks['OCD >= +10 AP over the regression student alone']
    assert ocd['value'] == pytest.approx(0.03)
    assert ('TCD (teacher-aided) (renamed) closes >= 60% of the '
            'teacher-student AP gap') in checks


def test_paired_gain_pairs_by_seed_and_gives_a_t_interval():
    from benchmark_harness.benchmark_report import paired_gain
    # seed 5 of the method has no baseline run: it is left out
    gain = paired_gain([0.30, 0.32, 0.37, 0.9], [0, 1, 2, 5],
                       [0.20, 0.20, 0.25], [0, 1, 2])
    assert gain['diffs'] == pytest.approx([0.10, 0.12, 0.12])
    assert gain['mean'] == pytest.approx(0.34 / 3)
    # t(0.975, df=2) = 4.303; sd of the diffs = 0.011547
    half = 4.3027 * 0.0115470 / 3 ** 0.5
    assert gain['low'] == pytest.approx(0.34 / 3 - half, abs=1e-4)
    assert gain['high'] == pytest.approx(0.34 / 3 + half, abs=1e-4)
    assert paired_gain([0.3], [0], [0.2], [0]) is None  # one pair: no CI


def test_ap_gap_target_and_its_interval_per_method():
    groups = dict(crd=[
        dict(result('regression student alone', [0.0, 0.02, 0.01],
                    [0.3, 0.3, 0.3]), seeds=[0, 1, 2], id='crd.student-alone'),
        dict(result('TCD (teacher-aided)', [0.20, 0.21, 0.22],
                    [0.5, 0.5, 0.5]), seeds=[0, 1, 2], id='crd.tcd'),
        dict(result('OCD (online)', [0.01, 0.01, 0.02], [0.3, 0.3, 0.3]),
             seeds=[0, 1, 2], id='crd.ocd')])
    rows = accuracy_rows(groups, TEACHER)
    checks = {c['target']: c for c in check_targets(rows, None)}
    tcd_gap = checks['TCD (teacher-aided) closes >= 50% of the teacher-'
                     'student AP gap']
    assert tcd_gap['value'] == pytest.approx(0.20 / 0.30) and tcd_gap['met']
    tcd_ci = checks['TCD (teacher-aided): 95% interval of the paired AP '
                    'gain excludes zero (low end)']
    assert tcd_ci['met'] and '3 seeds' in tcd_ci['note']
    ocd_ci = checks['OCD (online): 95% interval of the paired AP gain '
                    'excludes zero (low end)']
    assert not ocd_ci['met']  # diffs +0.01, -0.01, +0.01


def test_a_method_with_its_own_baseline_is_measured_against_it():
    groups = dict(crd=[
        dict(result('regression student alone', [0.0, 0.0], [0.2, 0.2]),
             seeds=[0, 1], id='crd.student-alone'),
        dict(result('downsized head alone', [0.0, 0.0], [0.3, 0.32]),
             seeds=[0, 1], id='crd.downsized-alone'),
        dict(result('downsized head + TCD', [0.0, 0.0], [0.4, 0.41]),
             seeds=[0, 1], id='crd.downsized-tcd')])
    rows = {r['id']: r for r in accuracy_rows(groups, TEACHER)}
    tcd = rows['crd.downsized-tcd']
    assert tcd['baseline'] == 'downsized head alone'
    assert tcd['pck_gain']['diffs'] == pytest.approx([0.10, 0.09])
    assert tcd['pck_gap_closed'] == pytest.approx(0.095 / (0.61 - 0.31))
    # a head variant without its own baseline: the group's student alone
    assert rows['crd.downsized-alone']['baseline'] == \
        'regression student alone'
