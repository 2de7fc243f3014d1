"""Bad-config catalogue: user mistakes a real Runner refuses before training.

Each entry edits a working distillation config (tiny pair on coco_tiny) in
one way a user plausibly would, then builds the Runner and trains. The error
must name the field or file at fault, and no training step may have
happened: no checkpoint in the work dir and the student's weights unchanged.
"""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from tests.tiny_models import (HEATMAP_CODEC, PREPROCESSOR,
                               coco_tiny_runner_cfg,
                               heatmap_model, regression_model)


def base_model():
    return dict(
        type='mmpose_kd.PoseDistiller',
        student=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher=heatmap_model(base_channels=16, deconv=(32, 32)),
        teacher_ckpt=None,
        distill_losses=dict(
            loss_logit=dict(type='mmpose_kd.HeatmapLogitDistillLoss',
                            loss_weight=1.0),
            loss_feat=dict(
                type='mmpose_kd.FeatureDistillLoss',
                student_input='backbone', teacher_input='backbone',
                connector=dict(type='mmpose_kd.ConvBNConnector',
                               in_channels=64, out_channels=128))))


def _set(path, value):
    """An edit of the model dict at a dotted ``path`` (None deletes)."""
    def edit(cfg, tmp_path):
        *parents, leaf = path.split('.')
        node = cfg['model']
        for key in parents:
            node = node[key]
        resolved = value(tmp_path) if callable(value) else value
        if resolved is None:
            node.pop(leaf, None)
        else:
            node[leaf] = resolved
    return edit


def _file(name, content: bytes):
    def make(tmp_path):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)
    return make


def _other_model_ckpt(tmp_path):
    from mmpose_kd.registry import MODELS
    path = str(tmp_path / 'regression.pth')
    torch.save(dict(state_dict=MODELS.build(regression_model()).state_dict()),
               path)
    return path


def _hook(schedules):
    def edit(cfg, tmp_path):
        cfg['custom_hooks'] = [dict(type='mmpose_kd.DistillLossWeightHook',
                                    schedules=schedules)]
    return edit


def _unaligned_heatmaps(cfg, tmp_path):
    # a teacher with a third deconvolution: 32x24 heatmaps vs 16x12
    teacher = heatmap_model(base_channels=16, deconv=(32, 32, 32))
    teacher['head']['decoder'] = dict(HEATMAP_CODEC, heatmap_size=(24, 32))
    cfg['model']['teacher'] = teacher
    cfg['model']['distill_losses']['loss_logit']['align'] = None


def _student_no_deconv_channels(cfg, tmp_path):
    # feature loss without a connector between 64- and 128-channel maps
    cfg['model']['distill_losses']['loss_feat'].pop('connector')


CATALOGUE = [
    ('unknown loss type',
     _set('distill_losses.loss_logit.type', 'mmpose_kd.HeatmapKLLoss'),
     KeyError, r'distill_losses.loss_logit.*HeatmapKLLoss'),
    ('unknown connector type',
     _set('distill_losses.loss_feat.connector.type', 'mmpose_kd.Conv3x3'),
     KeyError, r'Conv3x3'),
    ('unknown student head type',
     _set('student.head.type', 'HeatmapHeadV2'),
     KeyError, r'HeatmapHeadV2'),
    ('misspelt loss argument',
     _set('distill_losses.loss_logit.loss_wieght', 1.0),
     TypeError, r"HeatmapLogitDistillLoss.*loss_wieght.*nearest valid names: "
     r"'loss_weight'"),
    ('feature tap not on the model',
     _set('distill_losses.loss_feat.student_input', 'backbone.layer5'),
     ValueError, r"student_input.*'backbone.layer5'.*'backbone.layer4'"),
    ('tap output index out of range',
     _set('distill_losses.loss_feat.teacher_input', 'backbone[3]'),
     (ValueError, IndexError), r'teacher_input.*backbone\[3\]'),
    ('channel mismatch with no connector', _student_no_deconv_channels,
     ValueError, r'distill_losses.loss_feat.*64.*128'),
    ('student/teacher keypoint counts differ',
     _set('teacher', heatmap_model(num_keypoints=14)),
     ValueError, r'student.head has 17, teacher.head has 14'),
    ('heatmap sizes differ and alignment is off', _unaligned_heatmaps,
     ValueError, r'distill_losses.loss_logit.*16, 12\).*32, 24\)'),
    ('teacher checkpoint missing',
     _set('teacher_ckpt', '/no/such/dir/teacher.pth'),
     FileNotFoundError, r'teacher_ckpt.*/no/such/dir/teacher.pth'),
    ('teacher checkpoint unreadable',
     _set('teacher_ckpt', _file('truncated.pth', b'PK\x03\x04garbage')),
     Exception, r'teacher_ckpt.*truncated.pth'),
    ('teacher checkpoint of another model',
     _set('teacher_ckpt', _other_model_ckpt),
     ValueError, r'teacher_ckpt.*regression.pth.*missing'),
    ('loss key without "loss"',
     _set('distill_losses.logit', dict(
         type='mmpose_kd.HeatmapLogitDistillLoss')),
     ValueError, r"distill_losses.logit.*'loss_logit'"),
    ('negative loss weight',
     _set('distill_losses.loss_logit.loss_weight', -1.0),
     ValueError, r'HeatmapLogitDistillLoss: `loss_weight`.*-1'),
    ('non-numeric loss weight',
     _set('distill_losses.loss_logit.loss_weight', 'high'),
     TypeError, r"HeatmapLogitDistillLoss: `loss_weight`.*'high'"),
    ('negative student loss weight',
     _set('student_loss_weight', -0.5),
     ValueError, r'student_loss_weight.*-0.5'),
    ('teacher config path not found',
     _set('teacher', 'configs/no_such_teacher.py'),
     FileNotFoundError, r'`teacher`.*no_such_teacher.py'),
    ('wrong distiller for the losses: coordinate loss on heatmaps',
     _set('distill_losses.loss_logit', dict(
         type='mmpose_kd.CoordDistillLoss')),
     ValueError, r'distill_losses.loss_logit.*CoordDistillLoss'),
    ('invalid check_finite mode',
     _set('check_finite', 'warn'),
     ValueError, r"`check_finite`.*'warn'"),
    ('weight schedule for a module that does not exist',
     _hook({'distill_losses.loss_structure': dict(type='linear')}),
     ValueError, r'loss_structure'),
    ('student and teacher normalise inputs differently',
     _set('teacher.data_preprocessor', dict(
         type='PoseDataPreprocessor', mean=[0., 0., 0.], std=[1., 1., 1.])),
     ValueError, r'data_preprocessor.mean'),
    ('student and teacher order colour channels differently',
     _set('teacher.data_preprocessor', dict(
         PREPROCESSOR, bgr_to_rgb=False)),
     ValueError, r'data_preprocessor.bgr_to_rgb: True vs False'),
]


def assert_refused_before_training(cfg, work_dir, error, match):
    """A Runner from ``cfg`` raises ``error`` matching ``match`` before
    its first optimizer step, and writes no checkpoint."""
    runner = None
    with pytest.raises(error, match=match):
        runner = Runner.from_cfg(Config(copy.deepcopy(cfg)))
        runner.train()
    if runner is not None:  # refused at the first step, before any update
        assert runner.iter == 0
        assert 'train/loss' not in runner.message_hub.log_scalars
    assert not list(work_dir.glob('*.pth'))


@pytest.mark.parametrize('edit, error, match',
                         [entry[1:] for entry in CATALOGUE],
                         ids=[entry[0] for entry in CATALOGUE])
def test_mistake_is_refused_before_training(edit, error, match,
                                            coco_tiny_dir, tmp_path):
    work_dir = tmp_path / 'work_dir'
    cfg = coco_tiny_runner_cfg(base_model(), HEATMAP_CODEC, coco_tiny_dir,
                               str(work_dir), max_epochs=1)
    edit(cfg, tmp_path)
    assert_refused_before_training(cfg, work_dir, error, match)


def test_catalogue_is_large_and_distinct():
    names = [entry[0] for entry in CATALOGUE]
    assert len(set(names)) == len(names) >= 15
