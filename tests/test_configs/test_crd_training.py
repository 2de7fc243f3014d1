"""The cross-representation recipes (configs/crd) deploy and really train.

Every OCD config reduces to a plain regression model (building every config
is test_all_configs.py's job); the OCD and TCD recipes train one epoch with
MMEngine's Runner on the coco_tiny images, logging every loss finite
and, for OCD, the warm-up weight.
"""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose_kd.deploy.export_student import (has_cross_representation_head,
                                           plain_student)
from mmpose_kd.registry import MODELS
from tests.config_runs import CONFIGS_ROOT, coco_tiny_config, train

OCD = 'crd/ocd_reg-res18-w16_synthetic-128x96.py'
TCD = 'quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
PLAIN_STUDENT = 'quickstart/td-reg_res18-w16_synthetic-128x96.py'
OCD_CONFIGS = sorted(
    osp.relpath(path, CONFIGS_ROOT)
    for path in glob.glob(osp.join(CONFIGS_ROOT, 'crd', '**', 'ocd*.py'),
                          recursive=True))


def history(runner, key):
    """Values logged under ``train/<key>``, one per iteration."""
    return runner.message_hub.log_scalars[f'train/{key}'].data[0]


def build_model(config):
    cfg = Config.fromfile(osp.join(CONFIGS_ROOT, config))
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None
    init_default_scope('mmpose')
    return cfg.model, MODELS.build(cfg.model)


def num_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('config', OCD_CONFIGS)
def test_ocd_config_deploys_its_regression_branch_alone(config):
    model_cfg, model = build_model(config)
    assert has_cross_representation_head(model_cfg)
    plain_cfg, plain_state = plain_student(model_cfg, model.state_dict())
    assert 'heatmap' not in str(plain_cfg['head'])
    plain = MODELS.build(plain_cfg)
    plain.load_state_dict(plain_state, strict=True)
    # The heatmap branch is training-time capacity only.
    assert num_params(plain) == num_params(model) - num_params(
        model.head.heatmap)


def test_downsized_head_is_smaller_than_the_plain_head():
    _, plain = build_model(PLAIN_STUDENT)
    _, downsized = build_model(
        'crd/td-reg_res18-w16-downsized_synthetic-128x96.py')
    _, ocd = build_model(
        'crd/ocd_reg-res18-w16-downsized_synthetic-128x96.py')
    assert num_params(downsized.head) == 1338
    assert num_params(plain.head) == 4386
    # OCD trains the very same deployed head.
    assert num_params(ocd.head.regression) == num_params(downsized.head)


def test_ocd_recipe_trains_every_loss_with_the_warmup(coco_tiny_dir, tmp_path):
    runner = train(coco_tiny_config(OCD, coco_tiny_dir, str(tmp_path)))
    iters = len(runner.train_dataloader)
    assert runner.iter == iters >= 3
    for key in ('loss', 'loss_regression', 'loss_heatmap', 'loss_ocd_coord',
                'loss_ocd_heatmap', 'acc_regression', 'acc_heatmap'):
        values = history(runner, key)
        assert len(values) == iters and np.isfinite(values).all(), key
    # Linear warm-up from 0 over the recipe's `ocd_warmup.end` fraction of
    # the run (by_fraction), capped at 1.
    from mmengine.config import Config
    recipe = Config.fromfile(osp.join(CONFIGS_ROOT, OCD))
    warmup_iters = recipe.ocd_warmup['end'] * runner.max_iters
    expected = [min(1.0, i / warmup_iters) for i in range(iters)]
    for path in ('head.coord_distill', 'head.heatmap_distill'):
        np.testing.assert_allclose(history(runner, f'weight/{path}'), expected)
    # The weight is applied: nothing at iteration 0, something afterwards.
    assert history(runner, 'loss_ocd_heatmap')[0] == 0
    assert history(runner, 'loss_ocd_heatmap')[1:].min() > 0
    # ... and the hook wrote the plain regression student.
    state = torch.load(tmp_path / 'student.pth', weights_only=True)
    keys = state['state_dict'].keys()
    assert 'head.fc.weight' in keys
    assert not any(k.startswith(('head.heatmap', 'head.regression'))
                   for k in keys)


def test_tcd_recipe_trains_the_student_only(coco_tiny_dir, tmp_path):
    cfg = coco_tiny_config(TCD, coco_tiny_dir, str(tmp_path))
    cfg.model.teacher_ckpt = None  # a random teacher is enough to train
    runner = train(cfg)
    iters = len(runner.train_dataloader)
    for key in ('loss', 'student.loss_kpt', 'distill.loss_coord',
                'distill.loss_heatmap'):
        values = history(runner, key)
        assert len(values) == iters and np.isfinite(values).all(), key
    assert history(runner, 'distill.loss_heatmap').min() > 0
    assert 'val/coco/AP' in runner.message_hub.log_scalars
    state = torch.load(tmp_path / 'student.pth', weights_only=True)
    assert set(state['state_dict']) == set(
        runner.model.student.state_dict())
