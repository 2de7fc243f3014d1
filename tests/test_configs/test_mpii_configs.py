"""The MPII Integral KD recipes (configs/ikd/mpii) build, train and are
evaluated with PCKh, and bad pairings or data stop before training.

Every recipe runs for real on mpii_tiny (tests/dataset_runs.py: three
iterations of batch 2, then PCKh over the 5 people) with its teacher
(MMPose's SimpleBaseline-ResNet-50 MPII model, ``teacher_ckpt`` a URL in the
recipe) loaded from a randomly initialised local checkpoint.
"""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo

import mmpose_kd  # noqa: F401
from mmpose_kd.cli.complexity import main as complexity
from mmpose_kd.datasets import AnnotationFileError
from tests.config_runs import CONFIGS_ROOT, REPO_ROOT
from tests.dataset_runs import (history, load_config,
                                runner_with_random_teacher,
                                save_random_teacher, tiny_config,
                                zoo_weights)

PAIR = 'hm-res50_hm-res18-dc64_8xb64-210e_mpii-256x256.py'
STUDENT = 'ikd/mpii/td-hm_res18-dc64_8xb64-210e_mpii-256x256.py'
INTEGRAL = f'ikd/mpii/ikd-integral_{PAIR}'
SKELETON = f'ikd/mpii/ikd-skeleton_{PAIR}'
MPII_CONFIGS = sorted(
    osp.relpath(p, CONFIGS_ROOT)
    for p in glob.glob(osp.join(CONFIGS_ROOT, 'ikd', 'mpii', '*.py')))
TEACHER = ('mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
           'td-hm_res50_8xb64-210e_mpii-256x256.py')
COCO_TEACHER = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
                'td-hm_res50_8xb64-210e_coco-256x192.py')
LOGIT, FEATURE, RELATION, SKELETON_LOSS = (
    'HeatmapLogitDistillLoss', 'FeatureDistillLoss',
    'KeypointRelationDistillLoss', 'SkeletonDistillLoss')
#: recipe -> its loss types by name.
LOSSES = {
    STUDENT: None,
    INTEGRAL: dict(loss_logit=LOGIT, loss_feature=FEATURE,
                   loss_structure=RELATION),
    f'ikd/mpii/ikd-logit_{PAIR}': dict(loss_logit=LOGIT),
    f'ikd/mpii/ikd-feature_{PAIR}': dict(loss_feature=FEATURE),
    f'ikd/mpii/ikd-keypoint-relation_{PAIR}': dict(loss_structure=RELATION),
    SKELETON: dict(loss_structure=SKELETON_LOSS),
}


pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_every_mpii_recipe_is_listed():
    assert MPII_CONFIGS == sorted(LOSSES)


@pytest.mark.parametrize('config', sorted(LOSSES))
def test_recipe_trains_and_is_evaluated_with_pckh(
        config, mpii_tiny_config, tmp_path):
    cfg = mpii_tiny_config(config)
    assert (cfg.train_dataloader.dataset.type,
            cfg.val_evaluator.type) == ('MpiiDataset', 'MpiiPCKAccuracy')
    runner, teacher_state = runner_with_random_teacher(cfg, str(tmp_path))
    distiller = teacher_state is not None
    student = runner.model.student if distiller else runner.model
    before = student.backbone.conv1.weight.detach().clone()
    runner.train()

    assert runner.iter == 3
    assert torch.all(torch.isfinite(student.head.final_layer.weight))
    assert not torch.equal(student.backbone.conv1.weight, before)
    for value in history(runner, 'student.loss_kpt' if distiller
                         else 'loss_kpt'):
        assert math.isfinite(value) and value > 0
    # MpiiPCKAccuracy's PCKh (it logs it as `PCK`), per joint group too
    scalars = runner.message_hub.log_scalars
    for key in ('val/PCK', 'val/PCK@0.1', 'val/Head PCK', 'val/Wrist PCK'):
        assert 0 <= scalars[key].current() <= 100, key
    if not distiller:
        return
    assert {k: v['type'] for k, v in cfg.model.distill_losses.items()} == \
        LOSSES[config]
    for name in cfg.model.distill_losses:
        values = history(runner, f'distill.{name}')
        assert len(values) == 3 and all(
            math.isfinite(v) and v >= 0 for v in values), (name, values)
    # the teacher holds exactly its checkpoint; the student is exported
    for key, value in runner.model.teacher.state_dict().items():
        assert torch.equal(value, teacher_state[key]), key
    exported = torch.load(tmp_path / 'student.pth', weights_only=True)
    assert set(exported['state_dict']) == set(student.state_dict())


def test_recipes_pair_the_zoo_teacher_with_the_student_alone():
    integral, alone = load_config(INTEGRAL), load_config(STUDENT)
    assert integral.teacher_ckpt == zoo_weights(
        'body_2d_keypoint/topdown_heatmap/mpii/resnet_mpii.yml',
        'td-hm_res50_8xb64-210e_mpii-256x256') == (
            'https://download.openmmlab.com/mmpose/top_down/resnet/'
            'res50_mpii_256x256-418ffc88_20200812.pth')
    assert integral.model.teacher == TEACHER
    assert integral.model.student == alone.model
    assert integral.train_dataloader == alone.train_dataloader
    assert integral.train_cfg == alone.train_cfg
    for config, losses in LOSSES.items():
        if losses is None or config == SKELETON:
            continue
        ablation = load_config(config)
        for name, loss_cfg in ablation.model.distill_losses.items():
            assert loss_cfg == integral.model.distill_losses[name], config
        assert ablation.model.student == integral.model.student


def test_skeleton_term_follows_mpii_skeleton():
    from mmpose_kd.registry import MODELS
    loss_cfg = load_config(SKELETON).model.distill_losses.loss_structure
    loss = MODELS.build(dict(loss_cfg, type='mmpose_kd.SkeletonDistillLoss'))
    mpii = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/'
                                    'mpii.py'))
    assert loss.links.tolist() == [list(link)
                                   for link in mpii['skeleton_links']]
    assert len(loss.links) == 15 and int(loss.links.max()) == 15
    # Bones, not points: a student shifted as a whole matches the teacher;
    # a moved wrist (a bone end) does not.
    from mmpose_kd.functional import render_gaussian_heatmaps
    points = torch.rand(1, 16, 2) * 40 + 12
    teacher = render_gaussian_heatmaps(points, (64, 64), 2.0)
    shifted = render_gaussian_heatmaps(points + 3.0, (64, 64), 2.0)
    moved = points.clone()
    moved[0, mpii['keypoint_name2id']['right_wrist']] += 6.0
    assert loss(shifted, teacher).item() < 1e-5
    assert loss(render_gaussian_heatmaps(moved, (64, 64), 2.0),
                teacher).item() > 1e-3


def test_student_has_about_35_percent_of_the_teacher(capsys):
    rows = complexity([osp.join(CONFIGS_ROOT, INTEGRAL), '--runs', '0'])
    ratio = next(row for row in rows if row['name'] == 'student/teacher')
    assert 0.32 < ratio['params'] < 0.38 and 0.32 < ratio['flops'] < 0.38
    # The figures the student config and docs/datasets.md state.
    stated = f'{ratio["params"]:.3f} / {ratio["flops"]:.3f}'
    with open(osp.join(REPO_ROOT, 'docs', 'datasets.md'),
              encoding='utf-8') as f:
        assert stated in f.read()
    with open(osp.join(CONFIGS_ROOT, STUDENT), encoding='utf-8') as f:
        comment = ' '.join(line.lstrip('#').strip() for line in f)
    assert (f'{100 * ratio["params"]:.1f}% of the params and '
            f'{100 * ratio["flops"]:.1f}% of the FLOPs') in comment


def test_coco_teacher_for_the_mpii_student_is_refused_before_training(
        mpii_tiny_config):
    cfg = mpii_tiny_config(INTEGRAL)
    cfg.model.teacher = COCO_TEACHER
    cfg.model.teacher_ckpt = None
    with pytest.raises(ValueError,
                       match=r'student\.head has 16, teacher\.head has 17'):
        Runner.from_cfg(cfg)


def test_coco_teacher_checkpoint_is_refused_naming_the_file(
        mpii_tiny_config, tmp_path):
    cfg = mpii_tiny_config(INTEGRAL)
    coco = Config(dict(model=dict(teacher=COCO_TEACHER)))
    path = str(tmp_path / 'coco_teacher.pth')
    save_random_teacher(coco, path)
    cfg.model.teacher_ckpt = path
    with pytest.raises(ValueError) as error:
        Runner.from_cfg(cfg)
    message = str(error.value)
    assert 'teacher_ckpt' in message and path in message
    assert 'head.final_layer.weight' in message  # 17 maps, not 16


def test_mpii_recipe_on_coco_annotations_stops_before_training(
        coco_tiny_dir, tmp_path):
    coco_json = osp.join(coco_tiny_dir, 'test_coco.json')
    cfg = tiny_config(STUDENT, coco_tiny_dir, 'test_coco.json',
                      str(tmp_path), evaluator={})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(AnnotationFileError) as error:
        runner.train()
    message = str(error.value)
    assert message.startswith(f'MpiiDataset: annotation file {coco_json!r}')
    assert "MMPose's MPII JSON" in message and 'COCO style' in message
    # raised while the train loader was built: no step ran
    assert 'train/loss' not in runner.message_hub.log_scalars
