"""The COCO-WholeBody cross-representation recipes (configs/crd/
coco_wholebody) build, train and are evaluated with CocoWholeBodyMetric, and
the downsized head's cut holds at 133 keypoints.

Every recipe runs for real on the tiny COCO-WholeBody set (coco_tiny's
``test_coco_wholebody.json`` or its stand-in; tests/dataset_runs.py: three
iterations of batch 2, then whole-body AP over its 12 labelled people), TCD
with its teacher (MMPose's SimpleBaseline-ResNet-50 COCO-WholeBody model)
loaded from a randomly initialised local checkpoint.
"""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose_kd.analysis.complexity import EXPORTED_ROW
from mmpose_kd.cli.complexity import main as complexity
from mmpose_kd.deploy.export_student import plain_student
from mmpose_kd.registry import MODELS
from tests.config_runs import CONFIGS_ROOT, REPO_ROOT
from tests.dataset_runs import (history, load_config,
                                runner_with_random_teacher, zoo_weights)

FOLDER = 'crd/coco_wholebody'
SUFFIX = '8xb64-210e_coco-wholebody-256x192.py'
STUDENT = f'{FOLDER}/td-reg_res50_{SUFFIX}'
TCD = f'{FOLDER}/tcd_hm-res50_reg-res50_{SUFFIX}'
OCD = f'{FOLDER}/ocd_reg-res50_{SUFFIX}'
DOWNSIZED = f'{FOLDER}/ocd_reg-res50-downsized_{SUFFIX}'
CONFIGS = sorted(
    osp.relpath(p, CONFIGS_ROOT)
    for p in glob.glob(osp.join(CONFIGS_ROOT, FOLDER, '*.py')))
#: recipe -> the losses it logs besides the total.
LOSSES = {
    STUDENT: ('loss_kpt', ),
    TCD: ('student.loss_kpt', 'distill.loss_coord', 'distill.loss_heatmap'),
    OCD: ('loss_regression', 'loss_heatmap', 'loss_ocd_coord',
          'loss_ocd_heatmap'),
    DOWNSIZED: ('loss_regression', 'loss_heatmap', 'loss_ocd_coord',
                'loss_ocd_heatmap'),
}
FULL_HEAD_OPTIONS = [
    'model.head.regression.deconv_out_channels=(256,256,256)',
    'model.head.regression.deconv_kernel_sizes=(4,4,4)',
]
COCO_TEACHER = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
                'td-hm_res50_8xb64-210e_coco-256x192.py')


pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_every_coco_wholebody_recipe_is_listed():
    assert CONFIGS == sorted(LOSSES)


@pytest.mark.parametrize('config', sorted(LOSSES))
def test_recipe_trains_and_is_evaluated_with_wholebody_ap(
        config, coco_wholebody_tiny_config, tmp_path):
    cfg = coco_wholebody_tiny_config(config)
    assert (cfg.train_dataloader.dataset.type, cfg.val_evaluator.type) == \
        ('CocoWholeBodyDataset', 'CocoWholeBodyMetric')
    runner, teacher_state = runner_with_random_teacher(cfg, str(tmp_path))
    distiller = teacher_state is not None
    runner.train()

    assert runner.iter == 3
    for key in LOSSES[config]:
        values = history(runner, key)
        assert len(values) == 3 and all(math.isfinite(v) for v in values), \
            key
    scalars = runner.message_hub.log_scalars
    for key in ('val/coco-wholebody/AP', 'val/coco-wholebody/AR'):
        assert 0 <= scalars[key].current() <= 1, key
    # 133 x 2 coordinates from the deployed head
    model = runner.model.student if distiller else runner.model
    model.eval()
    with torch.no_grad():
        out = model.head(model.extract_feat(torch.zeros(1, 3, 256, 192)))
    coords = out[0] if isinstance(out, tuple) else out
    assert coords.shape == (1, 133, 2)
    if config != STUDENT:
        exported = torch.load(tmp_path / 'student.pth', weights_only=True)
        assert not any(k.startswith(('head.heatmap', 'head.regression'))
                       for k in exported['state_dict'])


def test_recipes_pair_the_zoo_teacher_with_the_student_alone():
    tcd, alone = load_config(TCD), load_config(STUDENT)
    assert tcd.teacher_ckpt == zoo_weights(
        'wholebody_2d_keypoint/topdown_heatmap/coco-wholebody/'
        'resnet_coco-wholebody.yml',
        'td-hm_res50_8xb64-210e_coco-wholebody-256x192') == (
            'https://download.openmmlab.com/mmpose/top_down/resnet/'
            'res50_coco_wholebody_256x192-9e37ed88_20201004.pth')
    assert tcd.model.teacher.endswith(
        'coco-wholebody/td-hm_res50_8xb64-210e_coco-wholebody-256x192.py')
    assert tcd.model.student == alone.model
    ocd = load_config(OCD)
    for cfg in (tcd, ocd):
        assert cfg.train_dataloader.dataset == \
            dict(alone.train_dataloader.dataset,
                 pipeline=cfg.train_dataloader.dataset.pipeline)
        assert cfg.val_evaluator == alone.val_evaluator
        assert cfg.train_cfg == alone.train_cfg


def test_ocd_deploys_the_student_alone():
    """OCD trains a heatmap branch and ships the plain DeepPose student."""
    init_default_scope('mmpose')
    ocd_cfg = load_config(OCD).model
    ocd = MODELS.build(ocd_cfg)
    plain_cfg, state = plain_student(ocd_cfg, ocd.state_dict())
    plain = MODELS.build(plain_cfg)
    alone = MODELS.build(load_config(STUDENT).model)
    plain.load_state_dict(state, strict=True)
    assert {k: v.shape for k, v in plain.state_dict().items()} == \
        {k: v.shape for k, v in alone.state_dict().items()}


def deployed_costs(options=()):
    args = [osp.join(CONFIGS_ROOT, DOWNSIZED), '--runs', '0']
    if options:
        args += ['--cfg-options', *options]
    return next(row for row in complexity(args) if row['name'] ==
                EXPORTED_ROW)


def test_downsized_head_cut_holds_at_133_keypoints():
    full, small = deployed_costs(FULL_HEAD_OPTIONS), deployed_costs()
    assert full['head_flops'] >= 5 * small['head_flops'] > 0
    assert full['head_params'] >= 5 * small['head_params']
    assert full['params'] - small['params'] == (
        full['head_params'] - small['head_params'])
    assert small['params'] <= 0.75 * full['params']
    # The figures the config and docs/datasets.md state.
    stated = (f"{full['head_params']:,} -> {small['head_params']:,}",
              f"{full['params']:,} -> {small['params']:,}",
              f"{full['head_flops'] / 1e6:.1f} -> "
              f"{small['head_flops'] / 1e6:.1f}")
    for path in (osp.join(CONFIGS_ROOT, DOWNSIZED),
                 osp.join(REPO_ROOT, 'docs', 'datasets.md')):
        with open(path, encoding='utf-8') as f:
            text = ' '.join(f.read().split())
        for figure in stated:
            assert figure in text, (path, figure)


def test_coco_teacher_for_the_wholebody_student_is_refused(
        coco_wholebody_tiny_config):
    cfg = coco_wholebody_tiny_config(TCD)
    cfg.model.teacher = COCO_TEACHER
    cfg.model.teacher_ckpt = None
    with pytest.raises(ValueError,
                       match=r'student\.head has 133, teacher\.head has 17'):
        Runner.from_cfg(cfg)
