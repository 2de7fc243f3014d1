"""ChannelsLastHook: NHWC parameters and inputs, same values as NCHW."""
import copy

import torch
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.hooks import ChannelsLastHook
from mmpose_kd.registry import HOOKS, MODELS
from tests.test_models.test_distillers.test_pose_distiller import (
    distiller_cfg, fake_batch)

init_default_scope('mmpose')


class FakeRunner:
    def __init__(self, model):
        self.model = model


def test_model_teacher_and_inputs_become_channels_last_with_same_values():
    torch.manual_seed(0)
    distiller = MODELS.build(distiller_cfg())
    reference = copy.deepcopy(distiller)
    hook = HOOKS.build(dict(type='mmpose_kd.ChannelsLastHook'))
    assert isinstance(hook, ChannelsLastHook)
    hook.before_train(FakeRunner(distiller))
    hook.before_val(FakeRunner(distiller))  # once per model
    assert len(distiller.data_preprocessor._forward_hooks) == 1
    for model in (distiller.student, distiller.teacher):
        weight = model.backbone.conv1.weight
        assert weight.is_contiguous(memory_format=torch.channels_last)
        assert not weight.is_contiguous()
    inputs, samples = fake_batch()
    data = distiller.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), True)
    assert data['inputs'].is_contiguous(memory_format=torch.channels_last)
    distiller.train()
    reference.train()
    losses = distiller.loss(inputs, samples)
    expected = reference.loss(inputs, samples)
    for key, value in expected.items():
        assert torch.allclose(losses[key], value, rtol=1e-4,
                              atol=1e-6), key
    # state dicts load into a plain (NCHW) model unchanged
    plain = MODELS.build(distiller_cfg()).student
    plain.load_state_dict(distiller.student.state_dict())
    assert torch.equal(plain.backbone.conv1.weight,
                       distiller.student.backbone.conv1.weight)
