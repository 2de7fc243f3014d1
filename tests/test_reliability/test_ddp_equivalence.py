"""Two gloo processes (``tools/dist_train.sh``) train a distillation config
like one process with the same global batch.

The student normalises with GroupNorm and the teacher runs in eval mode, so
per-rank batch statistics cannot differ; DefaultSampler gives rank r the
samples r, r+2, ... of the same shuffled order, so the two ranks' batches of
iteration i together are the single process's batch i. Stated tolerance:
per-iteration rank-averaged losses within rtol 1e-4 / atol 1e-6 and each
final weight tensor within 1e-3 of its norm plus 1e-5 (gradient all-reduce
changes float summation order; over five teacher draws the largest was
2.6e-4 of the norm, on a GroupNorm bias that starts at zero), CocoMetric AP
within 1e-6; the teacher hash is identical on every rank and equals the
checkpoint's.

The runs use SGD, not the Adam of the tiny recipes: Adam divides each
gradient by its own running magnitude, so a weight whose gradient is near
zero moves by about the learning rate whichever sign the rounding gives it,
and summation order alone then moves weights by 1e-3 relative - more or
less often with every teacher draw (a seeded teacher is built here for that
reason too). SGD keeps a rounding difference a rounding difference, while a
wrong gradient average or sampler split still moves everything by percents.
"""
import glob
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.registry import init_default_scope

from mmpose_kd.registry import MODELS
from mmpose_kd.utils import safe_load_checkpoint
from tests.test_reliability.run_probes import (PROBES_DIR, dump_probe_config,
                                               state_digest)
from tests.test_tools.tool_runs import (REPO_ROOT, free_port, logged_aps,
                                        run_checked, tool_env)
from tests.tiny_models import (REGRESSION_CODEC, coco_tiny_runner_cfg,
                               heatmap_model, regression_model)

pytestmark = pytest.mark.slow


def group_norm_student():
    student = regression_model(base_channels=8)
    student['backbone']['norm_cfg'] = dict(type='GN', num_groups=4)
    return student


def write_config(data_dir, path, teacher_ckpt, batch_size):
    model = dict(
        type='mmpose_kd.PoseDistiller',
        student=group_norm_student(),
        teacher=heatmap_model(base_channels=16, deconv=(32, 32)),
        teacher_ckpt=teacher_ckpt,
        distill_losses=dict(
            loss_coord=dict(type='mmpose_kd.CoordDistillLoss'),
            loss_feat=dict(
                type='mmpose_kd.FeatureDistillLoss', student_input='backbone',
                teacher_input='backbone',
                connector=dict(type='mmpose_kd.ConvConnector',
                               in_channels=64, out_channels=128))))
    cfg = coco_tiny_runner_cfg(
        model, REGRESSION_CODEC, data_dir, '', max_epochs=2,
        batch_size=batch_size,
        custom_hooks=[dict(type='GlobalLossRecorderHook'),
                      dict(type='TeacherFingerprintHook')])
    cfg['train_cfg']['val_interval'] = 2
    cfg['optim_wrapper'] = dict(
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
    cfg['env_cfg'] = dict(dist_cfg=dict(backend='nccl'))
    return dump_probe_config(cfg, path)


def close_in_norm(got: torch.Tensor, expected: torch.Tensor,
                  rtol: float = 1e-3, atol: float = 1e-5) -> bool:
    """``|got - expected| <= rtol |expected| + atol``, norms over the whole
    tensor (integer buffers: equal). Elementwise, a weight that training
    left near zero differs relatively by any amount at a rounding's
    absolute size; so does a whole tensor that barely trains (a GroupNorm
    bias of 1e-6), hence ``atol``."""
    if not expected.is_floating_point():
        return torch.equal(got, expected)
    error = (got.double() - expected.double()).norm().item()
    return error <= rtol * expected.double().norm().item() + atol


def read_losses(work_dir):
    with open(osp.join(work_dir, 'global_losses.jsonl')) as f:
        return [json.loads(line) for line in f]


def test_two_gloo_processes_match_one_process(coco_tiny_dir, tmp_path):
    init_default_scope('mmpose')
    torch.manual_seed(0)  # the same teacher whatever ran before
    teacher = MODELS.build(heatmap_model(base_channels=16, deconv=(32, 32)))
    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), teacher_ckpt)
    env = tool_env(pythonpath=PROBES_DIR, CUDA_VISIBLE_DEVICES='',
                   OMP_NUM_THREADS='1', PYTHON=sys.executable,
                   PORT=str(free_port()))

    single_dir, dist_dir = str(tmp_path / 'single'), str(tmp_path / 'dist')
    single_cfg = write_config(coco_tiny_dir, str(tmp_path / 'single.py'),
                              teacher_ckpt, batch_size=4)
    dist_cfg = write_config(coco_tiny_dir, str(tmp_path / 'dist.py'),
                            teacher_ckpt, batch_size=2)
    single_out = run_checked(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'),
         single_cfg, '--work-dir', single_dir], cwd=REPO_ROOT, env=env)
    dist_out = run_checked(
        ['bash', osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), dist_cfg,
         '2', '--work-dir', dist_dir], cwd=REPO_ROOT, env=env)
    assert 'Distributed training: True' in dist_out

    # the teacher: the checkpoint's weights, identical on every rank
    expected = state_digest(teacher.state_dict())
    hashes = {osp.basename(p): open(p).read() for p in
              glob.glob(osp.join(dist_dir, 'teacher_rank*of2.sha256'))}
    assert len(hashes) == 2 and set(hashes.values()) == {expected}
    assert open(osp.join(single_dir, 'teacher_rank0of1.sha256')).read() == \
        expected

    # per-iteration losses, averaged over ranks, agree with one process
    single_losses, dist_losses = read_losses(single_dir), \
        read_losses(dist_dir)
    assert [r['iter'] for r in single_losses] == list(range(1, 7))
    assert [r['iter'] for r in dist_losses] == list(range(1, 7))
    for ref, got in zip(single_losses, dist_losses):
        for key in ('loss', 'student.loss_kpt', 'distill.loss_coord',
                    'distill.loss_feat'):
            assert got[key] == pytest.approx(ref[key], rel=1e-4, abs=1e-6), \
                (ref['iter'], key)

    # the final weights and the metric
    single = safe_load_checkpoint(osp.join(single_dir, 'epoch_2.pth'))
    dist = safe_load_checkpoint(osp.join(dist_dir, 'epoch_2.pth'))
    for key, value in single['state_dict'].items():
        assert close_in_norm(dist['state_dict'][key], value), key
    single_ap, dist_ap = logged_aps(single_out), logged_aps(dist_out)
    assert len(single_ap) == len(dist_ap) == 1
    assert dist_ap[0] == pytest.approx(single_ap[0], abs=1e-6)
