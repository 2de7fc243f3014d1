"""The benchmark's DWPose pair is like for like: mmpose_kd's recipe with
DWPose's losses (``kd-dwpose-losses_...``) weighs its feature term as
MMPose's ``FeaLoss`` in the ``DWPoseDistiller`` recipe beside it does.

``FeaLoss`` sums the squared error over C x H x W and divides by the batch;
``FeatureDistillLoss`` averages, so its weight must be ``alpha_fea`` times
C x H x W of the teacher's real last-stage map (256 x 8 x 6 at 128 x 96: the
backbone's total stride is 16). The recipe once used 256 x 4 x 3, a quarter
of DWPose's pull; this test compares the two losses' values on that map.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose_kd.model_parts.model_config import resolve_model_cfg
from mmpose_kd.registry import MODELS
from tests.config_runs import CONFIGS_ROOT

PAIR = 'simcc-res18-w32_simcc-res18-w16_synthetic-128x96.py'
DWPOSE = osp.join(CONFIGS_ROOT, 'benchmark', f'dwpose_{PAIR}')
OURS = osp.join(CONFIGS_ROOT, 'benchmark', f'kd-dwpose-losses_{PAIR}')


def dwpose_methods(cfg):
    return {method['name']: method for stage in cfg.model.distill_cfg
            for method in stage['methods']}


def teacher_feature_map(cfg):
    """The teacher's last backbone stage at the codec's input size."""
    init_default_scope('mmpose')
    teacher = MMPOSE_MODELS.build(resolve_model_cfg(cfg.model.teacher,
                                                    'teacher'))
    width, height = cfg.codec['input_size']
    with torch.no_grad():
        return teacher.backbone(torch.zeros(2, 3, height, width))[-1]


def test_feature_term_weighs_as_dwposes_fealoss():
    ours, dwpose = Config.fromfile(OURS), Config.fromfile(DWPOSE)
    fea = dwpose_methods(dwpose)['loss_fea']
    teacher = teacher_feature_map(ours)
    assert tuple(teacher.shape[1:]) == (256, 8, 6)

    torch.manual_seed(0)
    student = torch.randn_like(teacher)
    target = torch.randn_like(teacher)
    theirs = MMPOSE_MODELS.build(dict(
        type='FeaLoss', name='loss_fea', use_this=True,
        student_channels=256, teacher_channels=256,
        alpha_fea=fea['alpha_fea']))(student, target)
    loss_fea = ours.model.distill_losses.loss_fea
    mine = MODELS.build(dict(type='mmpose_kd.FeatureDistillLoss',
                             loss_weight=loss_fea.loss_weight))(student,
                                                                target)
    assert mine.item() == pytest.approx(theirs.item(), rel=1e-5)
    # and the same connector shape: the student's 128 channels to 256
    assert (loss_fea.connector.in_channels, loss_fea.connector.out_channels
            ) == (fea['student_channels'], fea['teacher_channels'])


def test_logit_term_weighs_as_dwposes_kdloss():
    ours, dwpose = Config.fromfile(OURS), Config.fromfile(DWPOSE)
    assert ours.model.distill_losses.loss_logit.loss_weight == \
        dwpose_methods(dwpose)['loss_logit']['weight']


def simcc_batch(cfg, batch_size=4):
    """Random images and SimCC targets of random keypoints, as packed."""
    import numpy as np
    from mmengine.structures import InstanceData
    from mmpose.registry import KEYPOINT_CODECS
    from mmpose.structures import PoseDataSample
    # the head's own codec (the file's `codec` merges with its base's)
    decoder = cfg.model.student.head.decoder
    codec = KEYPOINT_CODECS.build(decoder)
    width, height = decoder['input_size']
    rng = np.random.RandomState(0)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.from_numpy(
            rng.randint(0, 256, (3, height, width)).astype(np.uint8)))
        keypoints = rng.uniform((8, 8), (width - 8, height - 8), (1, 17, 2))
        encoded = codec.encode(keypoints, np.ones((1, 17)))
        sample = PoseDataSample(metainfo=dict(input_size=(width, height)))
        sample.gt_instance_labels = InstanceData(**{
            key: torch.from_numpy(np.asarray(encoded[key])).float()
            for key in ('keypoint_x_labels', 'keypoint_y_labels',
                        'keypoint_weights')})
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def pair_from_one_start(teacher_norm):
    """DWPoseDistiller and the mmpose_kd recipe with one teacher, one
    student and one connector (DWPose's, copied), float32 Adam each."""
    from mmengine.optim import build_optim_wrapper
    init_default_scope('mmpose')
    ours_cfg, dwpose_cfg = Config.fromfile(OURS), Config.fromfile(DWPOSE)
    dwpose_cfg.model.teacher_pretrained = None
    torch.manual_seed(0)
    dwpose = MMPOSE_MODELS.build(dwpose_cfg.model)
    dwpose.init_weights()
    ours = MODELS.build(dict(ours_cfg.model, teacher_ckpt=None,
                             teacher_norm=teacher_norm))
    ours.teacher.load_state_dict(dwpose.teacher.state_dict())
    ours.student.load_state_dict(dwpose.student.state_dict())
    connector = ours.distill_losses.loss_fea.connector
    connector.load_state_dict(dict(zip(
        connector.state_dict(),
        dwpose.distill_losses.loss_fea.state_dict().values())))
    optim = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3))
    return [(model, build_optim_wrapper(model, optim))
            for model in (dwpose, ours)]


def train_steps(model, optim_wrapper, batch, steps):
    from mmengine.logging import MessageHub
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 0)  # DWPose: weights (1 - epoch / max_epochs)
    hub.update_info('max_epochs', 1)
    model.train()
    logs = []
    for step in range(steps):
        hub.update_info('iter', step)
        log = model.train_step(batch, optim_wrapper)
        logs.append({key.rpartition('.')[2]: float(value)
                     for key, value in log.items() if 'loss_' in key})
    return logs


def test_with_the_teacher_on_batch_statistics_it_steps_as_dwposedistiller():
    """Same weights, same batch: with ``teacher_norm='batch'`` (how
    DWPoseDistiller's teacher runs) every loss term and the student's
    weights follow DWPoseDistiller's step for step; with the default
    running statistics the teacher's targets, hence the distillation
    terms, differ from the first step."""
    batch = simcc_batch(Config.fromfile(OURS))
    (dwpose, dwpose_optim), (ours, ours_optim) = pair_from_one_start('batch')
    theirs = train_steps(dwpose, dwpose_optim, batch, 4)
    mine = train_steps(ours, ours_optim, batch, 4)
    for step, (a, b) in enumerate(zip(theirs, mine)):
        assert set(a) == set(b) == {'loss_kpt', 'loss_fea', 'loss_logit'}
        for key in a:
            assert b[key] == pytest.approx(a[key], rel=1e-4), (step, key)
    for key, value in ours.student.state_dict().items():
        expected = dwpose.student.state_dict()[key]
        assert torch.allclose(value, expected, rtol=1e-3, atol=1e-5), key

    (dwpose, dwpose_optim), (ours, ours_optim) = pair_from_one_start(
        'running')
    first_theirs = train_steps(dwpose, dwpose_optim, batch, 1)[0]
    first_mine = train_steps(ours, ours_optim, batch, 1)[0]
    assert first_mine['loss_kpt'] == pytest.approx(first_theirs['loss_kpt'],
                                                   rel=1e-5)
    assert first_mine['loss_fea'] != pytest.approx(first_theirs['loss_fea'],
                                                   rel=1e-2)


def test_dwpose_init_recipe_draws_its_connector_as_dwposes_fealoss():
    """The -dwpose-init recipe's connector starts as FeaLoss's align conv
    (PyTorch's default: uniform, std 1/sqrt(3 fan-in)); the shipped
    recipe's (mmcv's ConvModule default: normal over fan-out) is ~1.7x."""
    init_default_scope('mmpose')
    torch.manual_seed(0)
    dwpose = MMPOSE_MODELS.build(Config.fromfile(DWPOSE).model)
    align = dwpose.distill_losses.loss_fea.align.weight

    def connector_weight(config):
        cfg = Config.fromfile(osp.join(CONFIGS_ROOT, 'benchmark', config))
        model = MODELS.build(dict(cfg.model, teacher_ckpt=None))
        model.init_weights()
        conv = model.distill_losses.loss_fea.connector.conv
        return getattr(conv, 'conv', conv).weight

    same = connector_weight(f'kd-dwpose-losses-dwpose-init_{PAIR}')
    shipped = connector_weight(f'kd-dwpose-losses_{PAIR}')
    assert same.shape == align.shape == (256, 128, 1, 1)
    expected = (3 * 128)**-0.5
    assert float(align.std()) == pytest.approx(expected, rel=0.05)
    assert float(same.std()) == pytest.approx(expected, rel=0.05)
    assert float(same.abs().max()) <= 128**-0.5 + 1e-6  # uniform bound
    assert float(shipped.std()) == pytest.approx((2 / 256)**0.5, rel=0.05)
