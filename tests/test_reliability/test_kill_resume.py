"""A distillation run SIGKILLed mid-epoch and restarted with ``--resume``
ends bit-identical to an uninterrupted run.

Both runs are ``tools/train.py`` subprocesses with deterministic settings
(fixed seed, ``deterministic=True``, one thread, no random augmentation,
``num_workers=0``). The killed run dies at iteration 8 of 9 (after the
epoch-2 checkpoint at iteration 6); the restart resumes from that checkpoint.
Tolerance: exact equality of every saved tensor - student, connector,
optimizer state - and of the scheduled distillation weights logged per
iteration.
"""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmpose_kd.utils import safe_load_checkpoint
from tests.test_reliability.run_probes import PROBES_DIR, dump_probe_config
from tests.test_tools.tool_runs import REPO_ROOT, run_checked, tool_env
from tests.tiny_models import HEATMAP_CODEC, coco_tiny_runner_cfg, heatmap_model

pytestmark = pytest.mark.slow
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
WEIGHT_KEY = 'weight/distill_losses.loss_logit'


def write_config(data_dir, path, kill_at=None):
    model = dict(
        type='mmpose_kd.PoseDistiller',
        student=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher=heatmap_model(base_channels=16, deconv=(32, 32)),
        teacher_ckpt=None,
        distill_losses=dict(
            loss_logit=dict(type='mmpose_kd.HeatmapLogitDistillLoss'),
            loss_feat=dict(
                type='mmpose_kd.FeatureDistillLoss', student_input='backbone',
                teacher_input='backbone',
                connector=dict(type='mmpose_kd.ConvBNConnector',
                               in_channels=64, out_channels=128))))
    hooks = [dict(type='mmpose_kd.DistillLossWeightHook', schedules={
        'distill_losses.loss_logit': dict(
            type='linear', start_factor=1.0, end_factor=0.1)})]
    if kill_at is not None:
        hooks.append(dict(type='KillAtIterHook', iteration=kill_at))
    cfg = coco_tiny_runner_cfg(model, HEATMAP_CODEC, data_dir, '',
                               max_epochs=3, custom_hooks=hooks)
    cfg['train_cfg']['val_interval'] = 100
    cfg['default_hooks']['checkpoint'] = dict(
        type='mmpose_kd.SafeCheckpointHook', interval=1, max_keep_ckpts=1)
    return dump_probe_config(cfg, path)


def train(config, work_dir, *extra, check=True):
    cmd = [sys.executable, TRAIN, config, '--work-dir', work_dir, *extra]
    env = tool_env(pythonpath=PROBES_DIR, CUDA_VISIBLE_DEVICES='',
                   OMP_NUM_THREADS='1')
    if check:
        return run_checked(cmd, cwd=REPO_ROOT, env=env)
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300)


def logged_weights(work_dir):
    """``iter -> scheduled weight`` from every scalars.json of the dir."""
    import glob
    weights = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if WEIGHT_KEY in record:
                    weights[record['iter']] = record[WEIGHT_KEY]
    return weights


def test_killed_and_resumed_run_equals_uninterrupted_run(
        coco_tiny_dir, tmp_path):
    plain_cfg = write_config(coco_tiny_dir, str(tmp_path / 'plain.py'))
    killed_cfg = write_config(coco_tiny_dir, str(tmp_path / 'killed.py'),
                              kill_at=8)
    reference_dir = str(tmp_path / 'reference')
    resumed_dir = str(tmp_path / 'resumed')
    train(plain_cfg, reference_dir)

    killed = train(killed_cfg, resumed_dir, check=False)
    assert killed.returncode == -9, killed.stdout[-3000:]
    assert not osp.exists(osp.join(resumed_dir, 'epoch_3.pth'))
    assert open(osp.join(resumed_dir, 'last_checkpoint')).read().endswith(
        'epoch_2.pth')
    output = train(plain_cfg, resumed_dir, '--resume')
    assert 'resumed epoch: 2, iter: 6' in output

    reference = safe_load_checkpoint(osp.join(reference_dir, 'epoch_3.pth'))
    resumed = safe_load_checkpoint(osp.join(resumed_dir, 'epoch_3.pth'))
    assert resumed['meta']['iter'] == reference['meta']['iter'] == 9
    assert reference['state_dict'].keys() == resumed['state_dict'].keys()
    assert any('distill_losses.loss_feat' in k for k in resumed['state_dict'])
    for key, value in reference['state_dict'].items():
        assert torch.equal(value, resumed['state_dict'][key]), key
    ref_state = reference['optimizer']['state']
    res_state = resumed['optimizer']['state']
    assert ref_state.keys() == res_state.keys()
    for index, slots in ref_state.items():
        for name, value in slots.items():
            assert torch.equal(torch.as_tensor(value),
                               torch.as_tensor(res_state[index][name]))

    ref_weights, res_weights = logged_weights(reference_dir), \
        logged_weights(resumed_dir)
    assert sorted(ref_weights) == list(range(1, 10))
    for iteration in range(7, 10):  # logged after the restart
        assert res_weights[iteration] == ref_weights[iteration]
    assert ref_weights[9] < ref_weights[1]
