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
