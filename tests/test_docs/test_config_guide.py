"""The config guide's (docs/configs.md) example of swapping a recipe's student
and teacher builds what it says, and a half-merged student/teacher fails saying
what to write."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from benchmark_harness.quickstart import REPO_ROOT
from mmpose_kd.registry import MODELS

RECIPE = osp.join(REPO_ROOT, 'configs', 'ikd',
                  'ikd-logit_hm-res18-w32_hm-res18-w18_synthetic-128x96.py')


def guide_example() -> str:
    """docs/configs.md's swap example, its `_base_` made absolute."""
    with open(osp.join(REPO_ROOT, 'docs', 'configs.md')) as f:
        text = f.read()
    section = text.split("\n## Swapping a recipe's student or teacher\n", 1)[1]
    code = section.split('```python', 1)[1].split('```', 1)[0]
    relative = "'./ikd-logit_hm-res18-w32_hm-res18-w18_synthetic-128x96.py'"
    assert relative in code
    return code.replace(relative, repr(RECIPE))


def write_config(tmp_path, text) -> Config:
    path = tmp_path / 'child.py'
    path.write_text(text)
    return Config.fromfile(str(path))


def build_distiller(cfg):
    init_default_scope('mmpose')
    cfg.model.teacher_ckpt = None
    return MODELS.build(cfg.model)


def test_guide_example_swaps_both_backbones(tmp_path):
    cfg = write_config(tmp_path, guide_example())
    assert cfg.model.teacher_ckpt == 'work_dirs/my_r50_teacher/epoch_50.pth'
    distiller = build_distiller(cfg)
    student, teacher = distiller.student, distiller.teacher
    assert type(student.backbone).__name__ == 'ResNetV1d'
    assert student.backbone.base_channels == 24
    assert type(teacher.backbone).__name__ == 'ResNet'
    assert teacher.backbone.depth == 50
    # the recipe's logit loss compares same-sized heatmaps
    x = torch.rand(1, 3, 64, 48)
    with torch.no_grad():
        assert student.head(student.extract_feat(x)).shape == \
            teacher.head(teacher.extract_feat(x)).shape == (1, 17, 16, 12)
    # the rest of the recipe is untouched
    assert list(distiller.distill_losses) == ['loss_logit']


def test_teacher_dict_over_the_recipes_path_needs_delete(tmp_path):
    example = guide_example()
    teacher = 'teacher=dict(\n        _delete_=True,\n'
    assert teacher in example
    text = example.replace(teacher, 'teacher=dict(\n')
    with pytest.raises(TypeError, match=r'teacher.*_delete_'):
        write_config(tmp_path, text)


def test_half_merged_student_error_says_what_to_write(tmp_path):
    cfg = write_config(tmp_path, f'''
_base_ = [{RECIPE!r}]
model = dict(student=dict(
    backbone=dict(type='MobileNetV2', widen_factor=0.5, out_indices=(7, )),
    head=dict(in_channels=640)))
''')
    # MMEngine kept the recipe's ResNet arguments in the new backbone
    assert cfg.model.student.backbone.depth == 18
    with pytest.raises(TypeError) as error:
        build_distiller(cfg)
    message = str(error.value)
    assert message.startswith('`student`: ')
    assert "unexpected keyword argument 'depth'" in message
    assert "`student=dict(_delete_=True, type='TopdownPoseEstimator'" in \
        message
    assert "backbone=dict(_delete_=True, type=" in message
