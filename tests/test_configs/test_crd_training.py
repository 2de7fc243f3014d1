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
from mmpose_kd.analysis.complexity import EXPORTED_ROW
from mmpose_kd.cli.complexity import main as complexity
from mmpose_kd.deploy.export_student import (has_cross_representation_head,
                                           plain_student)
from mmpose_kd.registry import MODELS
from tests.config_runs import CONFIGS_ROOT, coco_tiny_config, train

OCD = 'crd/ocd_reg-res18-w16_synthetic-128x96.py'
TCD = 'quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
PLAIN_STUDENT = 'quickstart/td-reg_res18-w16_synthetic-128x96.py'
# The downsized-head recipes and the full head they are measured against.
FULL_HEAD = 'crd/td-ipr_res18-w16_synthetic-128x96.py'
DOWNSIZED = 'crd/td-reg_res18-w16-downsized_synthetic-128x96.py'
OCD_DOWNSIZED = 'crd/ocd_reg-res18-w16-downsized_synthetic-128x96.py'
TCD_DOWNSIZED = ('crd/'
                 'tcd_hm-res18-w32_reg-res18-w16-downsized_synthetic-128x96.py')
COCO_DOWNSIZED = 'crd/coco/ocd_reg-res50-downsized_8xb64-210e_coco-256x192.py'
# The COCO recipe's full head: SimpleBaseline-R50's three deconvolutions.
COCO_FULL_HEAD_OPTIONS = [
    'model.head.regression.deconv_out_channels=(256,256,256)',
    'model.head.regression.deconv_kernel_sizes=(4,4,4)',
]
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


def deployed_costs(config, options=()):
    """The complexity tool's figures for the model ``config`` deploys."""
    args = [osp.join(CONFIGS_ROOT, config), '--runs', '0']
    if options:
        args += ['--cfg-options', *options]
    rows = complexity(args)
    return next(row for row in rows if row['name'] == EXPORTED_ROW)


@pytest.mark.parametrize('config', [DOWNSIZED, OCD_DOWNSIZED, TCD_DOWNSIZED])
def test_downsized_head_is_substantially_smaller_than_the_full_head(config):
    full, small = deployed_costs(FULL_HEAD), deployed_costs(config)
    assert small['head_flops'] > 0
    assert full['head_flops'] >= 5 * small['head_flops']
    assert full['head_params'] >= 5 * small['head_params']
    # Same backbone: the model shrinks by exactly the head's savings, which
    # are visible in the whole model.
    assert full['params'] - small['params'] == (
        full['head_params'] - small['head_params'])
    assert small['params'] <= 0.85 * full['params']


def test_coco_downsized_head_is_substantially_smaller_than_the_full_head():
    full = deployed_costs(COCO_DOWNSIZED, COCO_FULL_HEAD_OPTIONS)
    small = deployed_costs(COCO_DOWNSIZED)
    # The full head is SimpleBaseline-R50's: about a third of its params.
    assert full['params'] == pytest.approx(34.0e6, rel=0.01)
    assert 0.25 < full['head_params'] / full['params'] < 0.40
    assert full['head_flops'] >= 5 * small['head_flops'] > 0
    assert small['params'] <= 0.75 * full['params']


@pytest.mark.parametrize(
    'config', [FULL_HEAD, DOWNSIZED, OCD_DOWNSIZED, COCO_DOWNSIZED])
def test_integral_head_is_sized_from_the_input_size(config):
    """`in_featuremap_size` is derived from the codec's input size, so the
    head's soft-argmax grid matches the backbone output."""
    _, model = build_model(config)
    model.eval()
    head = getattr(model.head, 'regression', model.head)
    width, height = head.decoder.input_size
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, height, width))
        coords, heatmaps = model.head(feats)
    assert coords.shape == (1, 17, 2)
    assert heatmaps.shape[-2:] == head.heatmap_size[::-1]
    deconvs = [m for m in head.modules()
               if isinstance(m, torch.nn.ConvTranspose2d)]
    assert tuple(2**len(deconvs) * s for s in feats[-1].shape[-2:]) == \
        head.heatmap_size[::-1]


def test_ocd_downsized_trains_the_full_head_as_its_heatmap_branch():
    _, full = build_model(FULL_HEAD)
    _, small = build_model(DOWNSIZED)
    _, ocd = build_model(OCD_DOWNSIZED)
    assert num_params(ocd.head.heatmap) == num_params(
        full.head.simplebaseline_head)
    assert num_params(ocd.head.regression) == num_params(small.head)


def test_tcd_downsized_recipe_trains_the_integral_student(
        coco_tiny_dir, tmp_path):
    cfg = coco_tiny_config(TCD_DOWNSIZED, coco_tiny_dir, str(tmp_path))
    cfg.model.teacher_ckpt = None  # a random teacher is enough to train
    runner = train(cfg)
    iters = len(runner.train_dataloader)
    for key in ('student.loss_kpt', 'distill.loss_coord',
                'distill.loss_heatmap'):
        values = history(runner, key)
        assert len(values) == iters and np.isfinite(values).all(), key
        assert values.min() > 0, key
    state = torch.load(tmp_path / 'student.pth', weights_only=True)
    assert set(state['state_dict']) == set(
        runner.model.student.state_dict())
    assert 'head.simplebaseline_head.deconv_layers.0.weight' in state[
        'state_dict']


def test_ocd_recipe_trains_every_loss_with_the_warmup(coco_tiny_dir, tmp_path):
    runner = train(coco_tiny_config(OCD, coco_tiny_dir, str(tmp_path)))
    iters = len(runner.train_dataloader)
    assert runner.iter == iters >= 3
    for key in ('loss', 'loss_regression', 'loss_heatmap', 'loss_ocd_coord',
                'loss_ocd_heatmap', 'acc_regression', 'acc_heatmap'):
        values = history(runner, key)
        assert len(values) == iters and np.isfinite(values).all(), key
    # Linear warm-up from 0 over the recipe's `ocd_warmup.end` epochs.
    from mmengine.config import Config
    recipe = Config.fromfile(osp.join(CONFIGS_ROOT, OCD))
    warmup_iters = recipe.ocd_warmup['end'] * runner.max_iters
    expected = [min(1.0, i / warmup_iters) for i in range(iters)]
    for name in ('coord_distill', 'heatmap_distill'):
        base = recipe.model.head[name].loss_weight
        np.testing.assert_allclose(history(runner, f'weight/head.{name}'),
                                   [base * f for f in expected])
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
