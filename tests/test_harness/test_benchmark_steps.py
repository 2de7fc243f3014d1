"""The step benchmark: our distiller and DWPoseDistiller compute the same
losses on the same pair, and the timing table and files are produced."""
import json

import pytest
import torch

from benchmark_harness import benchmark_steps
from benchmark_harness.benchmark_steps import (Bench, main, paired_ratio,
                                           summarize)


def test_ours_computes_dwpose_losses_on_the_same_pair():
    bench = Bench(48, 64, 2, methods=['ours', 'dwpose'])
    ours, dwpose = bench.models['ours'], bench.models['dwpose']
    dwpose.student.load_state_dict(ours.student.state_dict())
    dwpose.teacher.load_state_dict(ours.teacher.state_dict())
    conv = ours.distill_losses.loss_fea.connector.conv.conv
    dwpose.distill_losses.loss_fea.align.load_state_dict(conv.state_dict())
    ours.eval()
    dwpose.eval()  # both teachers in eval mode for an exact comparison
    data = ours.data_preprocessor(dict(bench.data), True)
    ours_losses = ours.loss(data['inputs'], data['data_samples'])
    dw_losses = dwpose.loss(data['inputs'], data['data_samples'])
    pairs = {'student.loss_kpt': 'loss_kpt', 'distill.loss_fea': 'loss_fea',
             'distill.loss_logit': 'loss_logit'}
    for mine, theirs in pairs.items():
        torch.testing.assert_close(ours_losses[mine], dw_losses[theirs],
                                   rtol=1e-4, atol=1e-7, msg=mine)


def test_command_writes_json_and_markdown(tmp_path, capsys):
    out = str(tmp_path / 'steps.json')
    result = main(['--width', '48', '--height', '64', '--batch', '2',
                   '--rounds', '1', '--warmup', '0', '--no-memory',
                   '--methods', 'student', 'teacher_fwd', 'ours', 'dwpose',
                   '--out', out])
    steps = result['steps']
    assert set(steps) == {'student', 'teacher_fwd', 'ours', 'dwpose'}
    reference = steps['student']['median_s'] + \
        steps['teacher_fwd']['median_s']
    assert steps['ours']['kd_ratio'] == pytest.approx(
        steps['ours']['median_s'] / reference)
    assert steps['ours']['vs_dwpose'] == pytest.approx(
        steps['ours']['median_s'] / steps['dwpose']['median_s'])
    with open(out) as f:
        assert json.load(f)['setting']['batch'] == 2
    with open(out[:-5] + '.md') as f:
        assert '| ours |' in f.read()
    assert '| dwpose |' in capsys.readouterr().out


def test_peak_memory_probe_reports_this_process():
    assert 10 < benchmark_steps.peak_rss_mb() < 1e6


def test_paired_ratio_cancels_slow_rounds():
    # round 2 is slow for every step: its own ratio is still 1.1
    step = [1.1, 2.2, 1.1, 1.1]
    reference = [1.0, 2.0, 1.0, 1.0]
    paired = paired_ratio(step, reference)
    assert paired['median'] == pytest.approx(1.1)
    assert paired['low'] == pytest.approx(1.1)
    assert paired['high'] == pytest.approx(1.1)
    spread = paired_ratio([1.0, 1.2, 1.1, 0.9], [1.0] * 4)
    assert spread['low'] < spread['median'] < spread['high']


def test_ablation_steps_separate_the_connector_from_the_wrapper():
    bench = Bench(48, 64, 2, methods=['ours_logit_only', 'connector'])
    logit_only = bench.models['ours_logit_only']
    assert list(logit_only.distill_losses) == ['loss_logit']
    connector = bench.models['connector']
    weight = connector.connector.conv.conv.weight
    before = weight.detach().clone()
    bench.run('connector')
    assert weight.shape[:2] == (2048, 512)
    assert not torch.equal(weight, before)  # the step trains it
    bench.run('ours_logit_only')
    times = dict(student=[1.0, 1.0], teacher_fwd=[0.5, 0.5],
                 ours=[1.6, 1.6], connector=[0.03, 0.03],
                 ours_logit_only=[1.52, 1.52])
    rows = summarize(times)
    assert rows['ours']['kd_ratio'] == pytest.approx(1.6 / 1.5)
    assert rows['ours']['kd_ratio_without_connector'] == pytest.approx(
        1.57 / 1.5)
    assert rows['ours_logit_only']['kd_ratio_paired'] == pytest.approx(
        1.52 / 1.5)
    assert 'kd_ratio' not in rows['connector']
