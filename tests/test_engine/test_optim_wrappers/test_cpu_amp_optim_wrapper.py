"""CPUAmpOptimWrapper: bfloat16 autocast on CPU with float32 weights,
heads and losses; its guards; a real Runner run whose checkpoint loads in
plain MMPose."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.optim_wrappers import CPUAmpOptimWrapper
from mmpose_kd.registry import MODELS, OPTIM_WRAPPERS
from tests.test_models.test_distillers.test_pose_distiller import (
    distiller_cfg, fake_batch)
from tests.tiny_models import (HEATMAP_CODEC, coco_tiny_runner_cfg,
                               heatmap_model)

init_default_scope('mmpose')
WRAPPER_MODULE = 'mmpose_kd.engine.optim_wrappers.cpu_amp_optim_wrapper'


@pytest.fixture
def cpu_bf16(monkeypatch):
    """Set whether the CPU counts as having native bfloat16 (autocast runs
    either way: without it bfloat16 is only emulated, hence slower)."""
    def set_support(value):
        monkeypatch.setattr(f'{WRAPPER_MODULE}.cpu_bf16_supported',
                            lambda: value)
    set_support(True)
    return set_support


def wrapper_for(model, **kwargs):
    params = [p for p in model.parameters() if p.requires_grad]
    return CPUAmpOptimWrapper(
        optimizer=torch.optim.Adam(params, lr=1e-3), **kwargs)


def record_dtypes(module, store, key):
    def hook(mod, args, output):
        store[key] = output[-1].dtype if isinstance(
            output, (tuple, list)) else output.dtype
    return module.register_forward_hook(hook)


def backbone_dtype_in_step(model, wrapper) -> torch.dtype:
    """The dtype of the backbone's output in a loss step under ``wrapper``."""
    dtypes = {}
    handle = record_dtypes(model.backbone, dtypes, 'backbone')
    inputs, samples = fake_batch()
    model.train()
    with wrapper.optim_context(model):
        model.loss(inputs, samples)
    handle.remove()
    return dtypes['backbone']


def test_registered_under_the_plugin_scope(cpu_bf16):
    model = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    wrapper = OPTIM_WRAPPERS.build(dict(
        type='mmpose_kd.CPUAmpOptimWrapper',
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert isinstance(wrapper, CPUAmpOptimWrapper)
    assert wrapper.cast_dtype is torch.bfloat16


@pytest.mark.parametrize('dtype, match', [
    ('float16', r"optim_wrapper.dtype.*\('bfloat16', 'float32'\).*"
                r"'float16'.*AmpOptimWrapper"),
    ('int8', r"optim_wrapper.dtype.*\('bfloat16', 'float32'\).*'int8'"),
    (torch.float16, r"optim_wrapper.dtype.*torch.float16"),
])
def test_other_dtypes_are_refused_naming_the_option(cpu_bf16, dtype, match):
    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match=match):
        wrapper_for(model, dtype=dtype)


def test_float32_dtype_switches_mixed_precision_off(cpu_bf16):
    cpu_bf16(False)  # not needed for float32
    model = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    wrapper = wrapper_for(model, dtype='float32', channels_last=True)
    assert wrapper.cast_dtype is None
    assert backbone_dtype_in_step(model, wrapper) == torch.float32
    assert model.backbone.conv1.weight.is_contiguous()  # NCHW kept


def test_cpu_without_native_bf16_stops_or_falls_back_saying_so(
        cpu_bf16, caplog):
    cpu_bf16(False)
    model = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    with pytest.raises(RuntimeError,
                       match=r'no native bfloat16.*on_unsupported'):
        wrapper_for(model)
    with pytest.raises(ValueError, match='on_unsupported'):
        wrapper_for(model, on_unsupported='ignore')
    wrapper = wrapper_for(model, on_unsupported='float32')
    assert wrapper.cast_dtype is None
    assert backbone_dtype_in_step(model, wrapper) == torch.float32


def test_backbone_in_bf16_head_outputs_and_losses_in_fp32(cpu_bf16):
    torch.manual_seed(0)
    model = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    model.train()
    reference = copy.deepcopy(model)
    wrapper = wrapper_for(model)
    dtypes = {}
    record_dtypes(model.backbone, dtypes, 'backbone')
    record_dtypes(model.head.final_layer, dtypes, 'final_layer')
    seen = {}
    criterion_forward = model.head.loss_module.forward

    def spy(output, *args, **kwargs):
        seen['pred'] = output.dtype
        seen['autocast'] = torch.is_autocast_enabled('cpu')
        return criterion_forward(output, *args, **kwargs)

    model.head.loss_module.forward = spy
    inputs, samples = fake_batch()
    with wrapper.optim_context(model):
        losses = model.loss(inputs, samples)
    assert dtypes['backbone'] == torch.bfloat16
    assert dtypes['final_layer'] == torch.bfloat16
    # the criterion sees float32 predictions, outside autocast
    assert seen == dict(pred=torch.float32, autocast=False)
    assert losses['loss_kpt'].dtype == torch.float32
    assert 'acc_pose' in losses  # numpy accuracy did not fail on bf16
    # the head's methods are its own again after the context
    assert 'forward' not in vars(model.head)
    assert 'loss' not in vars(model.head)
    # bf16 changes the loss only at bf16's precision
    expected = reference.loss(inputs, samples)['loss_kpt']
    assert torch.allclose(losses['loss_kpt'], expected, rtol=0.03)
    # master weights, gradients and optimizer state stay float32
    wrapper.update_params(losses['loss_kpt'])
    assert all(p.dtype == torch.float32 for p in model.parameters())
    state = wrapper.state_dict()['state']
    assert state and all(v['exp_avg'].dtype == torch.float32
                         for v in state.values())
    assert all(v.dtype == torch.float32 for v in model.state_dict().values()
               if v.is_floating_point())


def test_gradients_match_float32_within_bf16_precision(cpu_bf16):
    torch.manual_seed(0)
    model = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    model.train()
    reference = copy.deepcopy(model)
    inputs, samples = fake_batch()
    with wrapper_for(model).optim_context(model):
        model.loss(inputs, samples)['loss_kpt'].backward()
    reference.loss(inputs, samples)['loss_kpt'].backward()
    for (name, p), q in zip(model.named_parameters(),
                            reference.parameters()):
        if 'final_layer' in name:
            cosine = torch.nn.functional.cosine_similarity(
                p.grad.flatten(), q.grad.flatten(), dim=0)
            assert cosine > 0.99, name


def test_distiller_teacher_follows_autocast_and_losses_run_in_fp32(
        cpu_bf16):
    distiller = MODELS.build(distiller_cfg())
    distiller.train()
    teacher_dtypes = {}
    record_dtypes(distiller.teacher.backbone, teacher_dtypes, 'backbone')
    seen = {}
    for name, loss in distiller.distill_losses.items():
        original = loss.forward

        def spy(student, teacher, *args, _name=name, _original=original,
                **kwargs):
            seen[_name] = (student.dtype, teacher.dtype,
                           torch.is_autocast_enabled('cpu'))
            return _original(student, teacher, *args, **kwargs)
        loss.forward = spy
    inputs, samples = fake_batch()
    wrapper = wrapper_for(distiller)
    with wrapper.optim_context(distiller):
        losses = distiller.loss(inputs, samples)
    assert teacher_dtypes['backbone'] == torch.bfloat16  # 'auto' follows
    fp32 = (torch.float32, torch.float32, False)
    assert seen == dict(loss_logit=fp32, loss_feat=fp32)
    assert all(v.dtype == torch.float32 for k, v in losses.items()
               if 'loss' in k)
    # teacher_dtype='float32' keeps the teacher in float32 under the wrapper
    distiller.teacher_dtype = torch.float32
    with wrapper.optim_context(distiller):
        distiller.loss(inputs, samples)
    assert teacher_dtypes['backbone'] == torch.float32


def test_non_finite_loss_under_bf16_is_caught_naming_the_term(cpu_bf16):
    distiller = MODELS.build(distiller_cfg())
    distiller.train()
    distiller.distill_losses.loss_feat.loss_weight = float('inf')
    inputs, samples = fake_batch()
    with pytest.raises(FloatingPointError,
                       match=r'distill.loss_feat=inf'):
        with wrapper_for(distiller).optim_context(distiller):
            distiller.loss(inputs, samples)


def test_model_on_another_device_is_refused(cpu_bf16):
    wrapper = wrapper_for(torch.nn.Linear(2, 2))

    class OnCuda(torch.nn.Module):
        """A model whose parameter is not on the CPU (no GPU needed)."""

        def parameters(self, recurse=True):
            yield torch.empty(1, device='meta')

    with pytest.raises(RuntimeError, match=r"\['meta'\].*AmpOptimWrapper"):
        with wrapper.optim_context(OnCuda()):
            pass
    lenient = wrapper_for(torch.nn.Linear(2, 2), on_unsupported='float32')
    with lenient.optim_context(OnCuda()):
        assert not torch.is_autocast_enabled('cpu')
    assert lenient.cast_dtype is None


def test_amp_checkpoint_loss_scaler_state_is_dropped(cpu_bf16):
    model = torch.nn.Linear(2, 2)
    plain = OptimWrapper(optimizer=torch.optim.Adam(model.parameters()))
    state = plain.state_dict()
    state['loss_scaler'] = dict(scale=65536.0)
    wrapper = wrapper_for(model)
    wrapper.load_state_dict(state)
    assert 'loss_scaler' not in wrapper.state_dict()


def test_runner_trains_in_bf16_channels_last_and_checkpoint_loads_in_mmpose(
        cpu_bf16, coco_tiny_dir, tmp_path):
    cfg = coco_tiny_runner_cfg(
        heatmap_model(base_channels=8, deconv=(16, 16)), HEATMAP_CODEC,
        coco_tiny_dir, str(tmp_path), max_epochs=1,
        custom_hooks=[dict(type='mmpose_kd.ChannelsLastHook')])
    cfg['optim_wrapper'] = dict(type='mmpose_kd.CPUAmpOptimWrapper',
                                optimizer=dict(type='Adam', lr=1e-3))
    runner = Runner.from_cfg(Config(cfg))
    runner.train()
    model = runner.model
    assert isinstance(runner.optim_wrapper, CPUAmpOptimWrapper)
    conv = model.backbone.conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    checkpoint = torch.load(osp.join(str(tmp_path), 'epoch_1.pth'),
                            map_location='cpu', weights_only=False)
    state = checkpoint['state_dict']
    assert all(v.dtype == torch.float32 for v in state.values()
               if v.is_floating_point())
    plain = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    plain.load_state_dict(state, strict=True)
    for key, value in plain.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key
    assert torch.isfinite(torch.tensor(
        runner.message_hub.get_scalar('train/loss').current()))


def test_channels_last_option_converts_model_and_inputs_at_first_step(
        cpu_bf16):
    distiller = MODELS.build(distiller_cfg())
    distiller.train()
    with pytest.raises(TypeError, match='channels_last'):
        wrapper_for(distiller, channels_last='yes')
    wrapper = wrapper_for(distiller, channels_last=True)
    inputs, samples = fake_batch()
    data = dict(inputs=list(inputs), data_samples=samples)
    distiller.train_step(data, wrapper)
    for model in (distiller.student, distiller.teacher):
        assert model.backbone.conv1.weight.is_contiguous(
            memory_format=torch.channels_last)
    assert len(distiller.data_preprocessor._forward_hooks) == 1
    distiller.train_step(data, wrapper)  # converted once
    assert len(distiller.data_preprocessor._forward_hooks) == 1
