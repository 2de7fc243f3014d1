"""PoseDistiller: building, freezing the teacher, routing losses, errors."""
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose_kd.registry import MODELS
from tests.tiny_models import heatmap_model, regression_model

init_default_scope('mmpose')


def distiller_cfg(**overrides):
    cfg = dict(
        type='mmpose_kd.PoseDistiller',
        student=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher=heatmap_model(base_channels=16, deconv=(32, 32)),
        teacher_ckpt=None,
        distill_losses=dict(
            loss_logit=dict(type='mmpose_kd.HeatmapLogitDistillLoss',
                            mode='mse', loss_weight=2.0),
            loss_feat=dict(
                type='mmpose_kd.FeatureDistillLoss',
                student_input='backbone',
                teacher_input='backbone[-1]',
                connector=dict(type='mmpose_kd.ConvBNConnector',
                               in_channels=64, out_channels=128))))
    cfg.update(overrides)
    return cfg


def fake_batch(batch_size=2, num_keypoints=17):
    """Inputs and heatmap-target data samples, as a pipeline would pack."""
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample
    inputs = torch.rand(batch_size, 3, 128, 96) * 255
    samples = []
    for _ in range(batch_size):
        sample = PoseDataSample(metainfo=dict(input_size=(96, 128)))
        sample.gt_fields = PixelData(
            heatmaps=torch.rand(num_keypoints, 16, 12))
        sample.gt_instance_labels = InstanceData(
            keypoint_weights=torch.ones(1, num_keypoints))
        samples.append(sample)
    return inputs, samples


def test_teacher_is_frozen_and_outside_the_module_tree():
    distiller = MODELS.build(distiller_cfg())
    teacher_params = {id(p) for p in distiller.teacher.parameters()}
    assert teacher_params
    assert not teacher_params & {id(p) for p in distiller.parameters()}
    assert not any(k.startswith('teacher') for k in distiller.state_dict())
    assert all(not p.requires_grad for p in distiller.teacher.parameters())
    distiller.train()
    assert distiller.student.training and not distiller.teacher.training
    # connectors belong to the losses and are trained with the student
    assert any('distill_losses.loss_feat' in k
               for k, _ in distiller.named_parameters())


def test_loss_keys_namespaced_and_gradients_reach_student_only():
    distiller = MODELS.build(distiller_cfg())
    distiller.train()
    inputs, samples = fake_batch()
    losses = distiller(inputs, samples, mode='loss')
    assert {'student.loss_kpt', 'distill.loss_logit',
            'distill.loss_feat'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert all(p.grad is None for p in distiller.teacher.parameters())
    connector = distiller.distill_losses.loss_feat
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in connector.parameters())
    assert distiller.student.backbone.conv1.weight.grad.abs().sum() > 0


def test_distill_loss_matches_a_direct_computation():
    distiller = MODELS.build(distiller_cfg(distill_losses=dict(
        loss_logit=dict(type='mmpose_kd.HeatmapLogitDistillLoss',
                        mode='mse', loss_weight=1.0))))
    distiller.eval()
    inputs, samples = fake_batch()
    losses = distiller.loss(inputs, samples)
    with torch.no_grad():
        s_hm = distiller.student._forward(inputs)
        t_hm = distiller.teacher._forward(inputs)
    expected = ((s_hm - t_hm)**2).mean()
    torch.testing.assert_close(losses['distill.loss_logit'], expected)


def test_predict_runs_student_or_teacher_on_request():
    distiller = MODELS.build(distiller_cfg())
    distiller.eval()
    inputs, _ = fake_batch()
    out = distiller(inputs, None, mode='tensor')
    torch.testing.assert_close(out, distiller.student._forward(inputs))
    distiller.eval_teacher = True
    torch.testing.assert_close(
        distiller(inputs, None, mode='tensor'),
        distiller.teacher._forward(inputs))


def test_build_from_config_paths(tmp_path):
    student_file = tmp_path / 'student.py'
    student_file.write_text(f'model = {heatmap_model(base_channels=8)!r}\n')
    distiller = MODELS.build(dict(
        type='mmpose_kd.PoseDistiller', student=str(student_file),
        teacher='mmpose::body_2d_keypoint/topdown_heatmap/coco/'
        'td-hm_res50_8xb64-210e_coco-256x192.py', teacher_ckpt=None))
    assert distiller.teacher.backbone.depth == 50
    assert distiller.student.backbone.base_channels == 8


def test_teacher_checkpoint_loaded_and_not_overwritten_by_init_weights(
        tmp_path):
    import numpy as np
    from mmengine.logging import HistoryBuffer
    source = MODELS.build(heatmap_model(base_channels=16, deconv=(32, 32)))
    path = str(tmp_path / 'teacher.pth')
    # what an MMEngine runner writes: numpy values and message-hub buffers
    torch.save(dict(meta=dict(seed=np.int64(3), arr=np.zeros(2)),
                    message_hub=dict(log_scalars=dict(x=HistoryBuffer())),
                    state_dict=source.state_dict()), path)
    distiller = MODELS.build(distiller_cfg(teacher_ckpt=path))
    distiller.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(distiller.teacher.state_dict()[key], value), key


@pytest.mark.parametrize('overrides, error, match', [
    (dict(teacher_ckpt='/nonexistent/teacher.pth'), FileNotFoundError,
     r'teacher_ckpt.*/nonexistent/teacher.pth'),
    (dict(distill_losses=dict(logit=dict(
        type='mmpose_kd.HeatmapLogitDistillLoss'))), ValueError,
     r"distill_losses.logit.*'loss_logit'"),
    (dict(distill_losses=dict(loss_x=dict(type='mmpose_kd.NoSuchLoss'))),
     KeyError, r'distill_losses.loss_x.*NoSuchLoss'),
    (dict(distill_losses=dict(loss_feat=dict(
        type='mmpose_kd.FeatureDistillLoss', student_input='backbone.layer9',
        teacher_input='backbone'))), ValueError,
     r"student_input.*'backbone.layer9'.*Nearest.*'backbone.layer4'"),
    (dict(teacher=heatmap_model(num_keypoints=14)), ValueError,
     r'student.head has 17, teacher.head has 14'),
    (dict(teacher='/nonexistent/teacher_config.py'), FileNotFoundError,
     r'`teacher`.*teacher_config.py'),
])
def test_bad_configs_fail_before_training_naming_the_field(
        overrides, error, match):
    with pytest.raises(error, match=match):
        MODELS.build(distiller_cfg(**overrides))


def test_teacher_checkpoint_of_another_model_is_refused(tmp_path):
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=MODELS.build(regression_model()).state_dict()),
               path)
    with pytest.raises(ValueError, match=r'teacher_ckpt.*missing'):
        MODELS.build(distiller_cfg(teacher_ckpt=path))


def test_non_finite_loss_stops_training_naming_the_term():
    distiller = MODELS.build(distiller_cfg())
    distiller.train()
    inputs, samples = fake_batch()
    distiller.distill_losses.loss_logit.loss_weight = float('nan')
    with pytest.raises(FloatingPointError,
                       match=r'iteration .*distill.loss_logit=nan') as error:
        distiller.loss(inputs, samples)
    assert 'distill.loss_feat' not in str(error.value)
    distiller.check_finite = False
    losses = distiller.loss(inputs, samples)
    assert torch.isnan(losses['distill.loss_logit'])


@pytest.mark.parametrize('teacher_norm', ['running', 'batch'])
def test_skip_mode_drops_the_non_finite_step_and_counts_it(teacher_norm):
    from mmengine.optim import OptimWrapper
    distiller = MODELS.build(distiller_cfg(check_finite='skip',
                                           teacher_norm=teacher_norm))
    distiller.train()
    optim_wrapper = OptimWrapper(
        torch.optim.Adam(distiller.parameters(), lr=1e-2))
    inputs, samples = fake_batch()
    data = dict(inputs=list(inputs), data_samples=samples)
    before = {k: v.clone() for k, v in distiller.state_dict().items()}
    teacher_before = {k: v.clone()
                      for k, v in distiller.teacher.state_dict().items()}

    distiller.distill_losses.loss_logit.loss_weight = float('inf')
    log_vars = distiller.train_step(data, optim_wrapper)
    assert log_vars == {'nonfinite_skips': torch.tensor(1.0)}
    for key, value in distiller.state_dict().items():
        assert torch.equal(value, before[key]), key
    # a teacher on batch statistics moved its BN buffers; they are restored
    for key, value in distiller.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    assert all(p.grad is None or not p.grad.any()
               for p in distiller.parameters())

    distiller.distill_losses.loss_logit.loss_weight = 1.0
    log_vars = distiller.train_step(data, optim_wrapper)
    assert log_vars['nonfinite_skips'] == 1.0
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(distiller.student.backbone.conv1.weight,
                           before['student.backbone.conv1.weight'])


def test_crafted_teacher_checkpoint_never_runs_code(tmp_path):
    marker = tmp_path / 'created_by_unpickling'

    class CreatesAFile:
        def __reduce__(self):
            return (open, (str(marker), 'w'))

    source = MODELS.build(heatmap_model(base_channels=16, deconv=(32, 32)))
    path = str(tmp_path / 'crafted.pth')
    torch.save(dict(state_dict=source.state_dict(), meta=CreatesAFile()),
               path)
    with pytest.raises(Exception, match=r'teacher_ckpt.*crafted.pth'):
        MODELS.build(distiller_cfg(teacher_ckpt=path))
    assert not marker.exists()
    # the explicit opt-in unpickles in full (and so runs the payload)
    MODELS.build(distiller_cfg(teacher_ckpt=path,
                               teacher_ckpt_allow_unsafe=True))
    assert marker.exists()


@pytest.mark.parametrize('options', [
    dict(teacher_dtype='bfloat16'),
    dict(teacher_channels_last=True),
    dict(teacher_dtype='bfloat16', teacher_channels_last=True),
])
def test_cheaper_teacher_options_keep_losses_close(options):
    torch.manual_seed(0)
    reference = MODELS.build(distiller_cfg())
    cheap = MODELS.build(distiller_cfg(**options))
    cheap.load_state_dict(reference.state_dict())
    cheap.teacher.load_state_dict(reference.teacher.state_dict())
    reference.eval()
    cheap.eval()
    inputs, samples = fake_batch()
    want = reference.loss(inputs, samples)
    got = cheap.loss(inputs, samples)
    for key in ('distill.loss_logit', 'distill.loss_feat'):
        assert got[key].dtype == torch.float32
        torch.testing.assert_close(got[key], want[key], rtol=5e-2, atol=1e-4)
    # the teacher's recorded outputs are float32 for the losses
    records = cheap.teacher_outputs(inputs)
    assert all(v.dtype == torch.float32 for v in records.values()
               if isinstance(v, torch.Tensor))


def test_teacher_dtype_is_validated():
    with pytest.raises(ValueError, match=r'`teacher_dtype`.*\'fp8\''):
        MODELS.build(distiller_cfg(teacher_dtype='fp8'))


def test_mmpose_0x_teacher_checkpoint_loads_its_head(tmp_path):
    """MMPose 0.x names the head ``keypoint_head.*``; MMPose renames it on
    load, and the teacher must get those weights, not a random head."""
    source = MODELS.build(heatmap_model(base_channels=16, deconv=(32, 32)))
    old_style = {k.replace('head.', 'keypoint_head.', 1)
                 if k.startswith('head.') else k: v
                 for k, v in source.state_dict().items()}
    path = str(tmp_path / 'mmpose0x.pth')
    torch.save(dict(state_dict=old_style), path)
    distiller = MODELS.build(distiller_cfg(teacher_ckpt=path))
    for key, value in source.state_dict().items():
        assert torch.equal(distiller.teacher.state_dict()[key], value), key


def test_teacher_checkpoint_missing_a_part_is_refused(tmp_path):
    source = MODELS.build(heatmap_model(base_channels=16, deconv=(32, 32)))
    partial = {k: v for k, v in source.state_dict().items()
               if not k.startswith('head.final_layer')}
    path = str(tmp_path / 'no_final_layer.pth')
    torch.save(dict(state_dict=partial), path)
    with pytest.raises(ValueError,
                       match=r'teacher_ckpt.*missing: \[head.final_layer'):
        MODELS.build(distiller_cfg(teacher_ckpt=path))


def _teacher_bn(distiller):
    return distiller.teacher.backbone.bn1


def test_teacher_norm_running_keeps_the_teachers_statistics():
    distiller = MODELS.build(distiller_cfg())
    distiller.train()
    before = _teacher_bn(distiller).running_mean.clone()
    distiller(*fake_batch(), mode='loss')
    assert torch.equal(_teacher_bn(distiller).running_mean, before)


def test_teacher_norm_batch_runs_the_teacher_in_train_mode_while_training():
    distiller = MODELS.build(distiller_cfg(teacher_norm='batch'))
    distiller.train()
    assert distiller.teacher.training
    inputs, samples = fake_batch(batch_size=4)
    bn = _teacher_bn(distiller)
    before = bn.running_mean.clone()
    live = distiller.teacher_outputs(inputs)['backbone']
    # batch statistics: the running ones moved, and the output is what
    # the teacher in eval mode does not give on the same images
    assert not torch.equal(bn.running_mean, before)
    distiller.teacher.eval()
    frozen = distiller.teacher_outputs(inputs)['backbone']
    assert not torch.allclose(live[-1], frozen[-1], atol=1e-3)
    # the teacher stays frozen otherwise: no gradient reaches it
    distiller.train()
    losses = distiller(inputs, samples, mode='loss')
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in distiller.teacher.parameters())
    # validation and eval_teacher run it with running statistics
    distiller.eval()
    assert not distiller.teacher.training


@pytest.mark.parametrize('overrides, match', [
    (dict(teacher_norm='train'),
     r"PoseDistiller: `teacher_norm` must be one of \('running', 'batch'\), "
     r"got 'train'"),
    (dict(teacher_norm='batch', teacher_cache=dict(dir='cache')),
     r"teacher_norm='batch'.*teacher_cache"),
])
def test_teacher_norm_is_validated(overrides, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(distiller_cfg(**overrides))
