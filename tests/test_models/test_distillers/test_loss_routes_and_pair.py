"""Loss routes ('head' = 'preds'), the keypoint-count check on every shipped
head, the distiller-checkpoint teacher log line, and the skip decision."""
import pytest
import torch
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose_kd.model_parts import teacher as teacher_module
from mmpose_kd.models.distillers import keypoint_count
from mmpose_kd.registry import MODELS
from tests.test_models.test_distillers.test_pose_distiller import (
    distiller_cfg, fake_batch)
from tests.tiny_models import PREPROCESSOR, heatmap_model, regression_model

init_default_scope('mmpose')
INPUT_SIZE = (96, 128)
SIMCC_CODEC = dict(type='SimCCLabel', input_size=INPUT_SIZE,
                   sigma=(2.0, 2.0), simcc_split_ratio=2.0)


def simcc_model(base_channels=16):
    return dict(
        type='TopdownPoseEstimator', data_preprocessor=PREPROCESSOR,
        backbone=dict(type='ResNet', depth=18, base_channels=base_channels,
                      stem_channels=base_channels),
        head=dict(type='SimCCHead', in_channels=base_channels * 8,
                  out_channels=17, input_size=INPUT_SIZE,
                  in_featuremap_size=(3, 4), simcc_split_ratio=2.0,
                  deconv_out_channels=None,
                  loss=dict(type='KLDiscretLoss', use_target_weight=True),
                  decoder=SIMCC_CODEC),
        test_cfg=dict(flip_test=False))


def ocd_model(num_keypoints=17):
    """An OCD student: CrossRepresentationHead on a slim ResNet-18."""
    model = regression_model(num_keypoints=num_keypoints)
    model.pop('neck')
    heatmap = heatmap_model(num_keypoints=num_keypoints)['head']
    model['head'] = dict(type='mmpose_kd.CrossRepresentationHead',
                         regression=model['head'], heatmap=heatmap)
    return model


def simcc_batch(batch_size=2, num_keypoints=17):
    inputs, samples = fake_batch(batch_size, num_keypoints)
    for sample in samples:
        sample.gt_instance_labels.keypoint_x_labels = torch.rand(
            1, num_keypoints, 192)
        sample.gt_instance_labels.keypoint_y_labels = torch.rand(
            1, num_keypoints, 256)
    return inputs, samples


def simcc_distiller(spec):
    return MODELS.build(dict(
        type='mmpose_kd.PoseDistiller', student=simcc_model(8),
        teacher=simcc_model(16), teacher_ckpt=None,
        distill_losses=dict(loss_kd=dict(
            type='mmpose_kd.SimCCLogitDistillLoss', student_input=spec,
            teacher_input=spec))))


def test_head_and_preds_both_route_the_whole_simcc_pair():
    """'head' used to give only the y logits of a SimCC pair."""
    inputs, samples = simcc_batch()
    by_spec = {}
    for spec in ('preds', 'head'):
        torch.manual_seed(0)
        distiller = simcc_distiller(spec)
        by_spec[spec] = distiller.loss(inputs, samples)['distill.loss_kd']
        route = distiller.loss_routes['loss_kd']['teacher']
        assert route.module == 'head' and route.whole_output
    assert torch.isfinite(by_spec['head'])
    torch.testing.assert_close(by_spec['head'], by_spec['preds'])


@pytest.mark.parametrize('head, expected', [
    (heatmap_model(num_keypoints=14)['head'], 14),
    (regression_model(num_keypoints=13)['head'], 13),
    (dict(regression_model(num_keypoints=12)['head'], type='RLEHead'), 12),
    (simcc_model()['head'], 17),
    (ocd_model(num_keypoints=11)['head'], 11),
    (dict(regression_model(num_keypoints=10)['head'],
          type='mmpose_kd.DownsizedRegressionHead', reduce_channels=16),
     10),
])
def test_keypoint_count_reads_every_shipped_head(head, expected):
    assert keypoint_count(MODELS.build(head)) == expected


def test_keypoint_count_check_covers_an_ocd_student():
    with pytest.raises(ValueError,
                       match=r'student.head has 17, teacher.head has 14'):
        MODELS.build(distiller_cfg(student=ocd_model(17),
                                   teacher=heatmap_model(num_keypoints=14),
                                   distill_losses=None))


def test_a_distiller_checkpoint_as_teacher_says_so(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(teacher_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    source = MODELS.build(distiller_cfg(
        student=heatmap_model(base_channels=16, deconv=(32, 32))))
    path = str(tmp_path / 'distiller.pth')
    torch.save(dict(state_dict=source.state_dict()), path)
    distiller = MODELS.build(distiller_cfg(teacher_ckpt=path))
    for key, value in source.student.state_dict().items():
        assert torch.equal(distiller.teacher.state_dict()[key], value), key
    assert len(logged) == 1 and 'distiller checkpoint' in logged[0] \
        and path in logged[0]

    plain = str(tmp_path / 'plain.pth')
    torch.save(dict(state_dict=source.student.state_dict()), plain)
    MODELS.build(distiller_cfg(teacher_ckpt=plain))
    assert len(logged) == 1


def test_skip_decision_reads_the_losses_that_train_step_got():
    """A subclass whose loss() returns a NaN term without calling the base
    loss() still has that step skipped."""
    from mmengine.optim import OptimWrapper
    distiller = MODELS.build(distiller_cfg(check_finite='skip'))
    distiller.train()
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(distiller.parameters(), lr=1e-2))
    inputs, samples = fake_batch()
    before = {k: v.clone() for k, v in distiller.state_dict().items()}

    def nan_loss(inputs, data_samples):
        out = distiller.student(inputs, None, mode='tensor')
        return {'loss_nan': out.sum() * float('nan')}

    distiller.loss = nan_loss
    log_vars = distiller.train_step(
        dict(inputs=list(inputs), data_samples=samples), optim_wrapper)
    assert log_vars == {'nonfinite_skips': torch.tensor(1.0)}
    for key, value in distiller.state_dict().items():
        assert torch.equal(value, before[key]), key
