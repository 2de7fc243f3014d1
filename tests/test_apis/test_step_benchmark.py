"""The step benchmark: our distiller and DWPoseDistiller compute the same
losses on the same pair, and the timing table and files are produced."""
import json

import pytest
import torch

from mmpose_kd.apis import step_benchmark
from mmpose_kd.apis.step_benchmark import Bench, main


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
    assert 10 < step_benchmark.peak_rss_mb() < 1e6
