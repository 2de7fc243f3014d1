"""The Integral KD recipe (configs/ikd) really trains.

One epoch of MMEngine's Runner on the coco_tiny images with the integral
recipe as shipped (model, losses, hooks, schedule; only the data, loaders and
epoch count changed, see tests/config_runs.py): every distillation loss is
logged and finite, the student and the feature connector learn, and the
teacher keeps exactly the weights of its checkpoint.
"""
import math
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose.registry import MODELS
from mmpose_kd.model_parts.model_config import resolve_model_cfg
from tests.config_runs import coco_tiny_config, train

PAIR = 'hm-res18-w32_hm-res18-w18_synthetic-128x96.py'
INTEGRAL = f'ikd/ikd-integral_{PAIR}'
DECAY = f'ikd/ikd-integral-logit-decay_{PAIR}'


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def history(runner, key):
    """Values logged under ``train/<key>``, one per iteration."""
    return list(runner.message_hub.log_scalars[f'train/{key}'].data[0])


def teacher_checkpoint(cfg, path):
    """Save a freshly initialised teacher as a runner-style checkpoint."""
    init_default_scope('mmpose')
    teacher = MODELS.build(resolve_model_cfg(cfg.model.teacher, 'teacher'))
    torch.manual_seed(1)
    teacher.init_weights()
    state = {k: v.clone() for k, v in teacher.state_dict().items()}
    torch.save(dict(meta=dict(), state_dict=state), path)
    return state


def test_integral_recipe_trains_the_student_only(coco_tiny_dir, tmp_path):
    cfg = coco_tiny_config(INTEGRAL, coco_tiny_dir, str(tmp_path))
    ckpt = osp.join(str(tmp_path), 'teacher.pth')
    teacher_state = teacher_checkpoint(cfg, ckpt)
    cfg.model.teacher_ckpt = ckpt

    runner = Runner.from_cfg(cfg)
    distiller = runner.model
    student_before = {
        k: v.clone()
        for k, v in distiller.student.state_dict().items()
    }
    connector = distiller.distill_losses.loss_feature.connector
    connector_before = [p.clone() for p in connector.parameters()]
    runner.train()

    assert runner.iter == len(runner.train_dataloader) >= 2
    for name in ('loss_logit', 'loss_feature', 'loss_structure'):
        values = history(runner, f'distill.{name}')
        assert len(values) == runner.iter, name
        assert all(math.isfinite(v) and v >= 0 for v in values), (name, values)
    assert all(math.isfinite(v) for v in history(runner, 'student.loss_kpt'))
    # the teacher holds exactly its checkpoint, BN statistics included
    for key, value in distiller.teacher.state_dict().items():
        assert torch.equal(value, teacher_state[key]), key
    # the student and the (training-only) connector learned
    changed = [
        k for k, v in distiller.student.state_dict().items()
        if v.dtype.is_floating_point and not torch.equal(v, student_before[k])
    ]
    assert 'backbone.conv1.weight' in changed
    assert 'head.final_layer.weight' in changed
    assert connector_before and all(
        not torch.equal(after, before)
        for after, before in zip(connector.parameters(), connector_before))
    # the student was validated with COCO AP, and exported alone
    assert 'val/coco/AP' in runner.message_hub.log_scalars
    student_ckpt = torch.load(
        osp.join(str(tmp_path), 'student.pth'),
        weights_only=True)['state_dict']
    assert set(student_ckpt) == set(distiller.student.state_dict())


def test_logit_decay_variant_schedules_the_logit_weight(
        coco_tiny_dir, tmp_path):
    cfg = coco_tiny_config(DECAY, coco_tiny_dir, str(tmp_path))
    cfg.model.teacher_ckpt = None
    runner = train(cfg)
    weights = history(runner, 'weight/distill_losses.loss_logit')
    # linear from 1 (first iteration) towards 0 at the end of training
    assert weights[0] == pytest.approx(1.0)
    assert weights == sorted(weights, reverse=True)
    assert weights[-1] < 1.0
    assert runner.model.distill_losses.loss_feature.loss_weight == 0.005
