"""Every shipped config parses, builds offline and (for a distiller) resolves
its distillation losses on a real batch."""
import copy
import glob
import math
import os.path as osp
from collections import Counter

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose.registry import DATASETS, MODELS
from mmpose_kd.models.distillers import PoseDistiller
from tests.config_runs import CONFIGS_ROOT, coco_tiny_config

CONFIGS = sorted(
    osp.relpath(path, CONFIGS_ROOT) for path in glob.glob(
        osp.join(CONFIGS_ROOT, '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(path, CONFIGS_ROOT).split(osp.sep))


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    """Small CPU forwards: extra threads only add contention (on a busy
    2-core machine they made each forward ~100x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def is_distiller(model_cfg) -> bool:
    return model_cfg.get('type') in ('PoseDistiller',
                                     'mmpose_kd.PoseDistiller')


def is_cached(model_cfg) -> bool:
    """A distiller that reads its teacher from a teacher cache."""
    return is_distiller(model_cfg) and bool(model_cfg.get('teacher_cache'))


def build(cfg: Config):
    """Build ``cfg.model`` as a Runner would, minus the teacher checkpoint."""
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model_cfg = copy.deepcopy(cfg.model)
    if is_distiller(model_cfg):
        model_cfg.teacher_ckpt = None
    return MODELS.build(model_cfg)


def test_configs_are_found():
    assert 'ikd/ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py' \
        in CONFIGS
    assert not [c for c in CONFIGS if c.startswith('_base_')]


def test_config_basenames_are_unique():
    # `mim train mmpose_kd NAME` finds a config by its basename.
    counts = Counter(osp.basename(c) for c in CONFIGS)
    assert [name for name, n in counts.items() if n > 1] == []


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_offline_from_any_directory(config, tmp_path,
                                                  monkeypatch):
    # Another working directory: nothing may depend on the checkout's cwd
    # (e.g. SkeletonDistillLoss' COCO metainfo file).
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(osp.join(CONFIGS_ROOT, config))
    assert cfg.get('default_scope') == 'mmpose'
    if is_cached(cfg.model):
        # Built from a real cache in tests/test_models/test_distillers/
        # test_cached_teacher.py; without one it says how to make it.
        with pytest.raises(FileNotFoundError,
                           match='manifest.json.*build_teacher_cache'):
            build(cfg)
        return
    model = build(cfg)
    assert callable(getattr(model, 'loss', None))
    if not is_distiller(cfg.model):
        return
    assert isinstance(model, PoseDistiller)
    assert 'mmpose_kd' in cfg.custom_imports['imports']
    # teacher_ckpt is one top-level variable the user sets
    assert cfg.model.teacher_ckpt == cfg.teacher_ckpt
    losses = cfg.model.distill_losses
    assert list(model.distill_losses) == list(losses)
    for name, loss_cfg in losses.items():
        assert type(model.distill_losses[name]).__name__ == \
            loss_cfg['type'].split('.')[-1], name
    # the teacher is frozen and outside the optimised parameters
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert not {id(p)
                for p in model.parameters()
                } & {id(p)
                     for p in model.teacher.parameters()}


def _parses_as_distiller(config: str) -> bool:
    """A live distiller config (cached ones: test_cached_teacher.py)."""
    try:
        model = Config.fromfile(osp.join(CONFIGS_ROOT, config)).model
        return is_distiller(model) and not is_cached(model)
    except Exception:  # noqa: BLE001 - reported by the build test instead
        return False


DISTILLER_CONFIGS = [c for c in CONFIGS if _parses_as_distiller(c)]


#: Recipes of another dataset run on its own tiny set (the fixtures of
#: tests/test_configs/conftest.py), keeping their dataset class; the others
#: on coco_tiny as CocoDataset.
TINY_SET_FIXTURES = {
    'MpiiDataset': 'mpii_tiny_config',
    'CocoWholeBodyDataset': 'coco_wholebody_tiny_config',
}


@pytest.mark.parametrize('config', DISTILLER_CONFIGS)
def test_distiller_losses_resolve_on_a_real_batch(config, coco_tiny_dir,
                                                  tmp_path, request):
    """Every configured tap is reached and every loss is finite and
    back-propagates to the student, on two samples of the config's tiny set
    through the config's own training pipeline."""
    dataset_type = Config.fromfile(osp.join(
        CONFIGS_ROOT, config)).train_dataloader.dataset.type
    if dataset_type in TINY_SET_FIXTURES:
        cfg = request.getfixturevalue(TINY_SET_FIXTURES[dataset_type])(config)
    else:
        cfg = coco_tiny_config(config, coco_tiny_dir, str(tmp_path))
    model = build(cfg)
    model.train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.manual_seed(0)
    batch = model.data_preprocessor(
        pseudo_collate([dataset[0], dataset[1]]), training=True)
    losses = model.loss(batch['inputs'], batch['data_samples'])

    expected = {f'distill.{name}' for name in cfg.model.distill_losses}
    assert expected <= set(losses)
    for key in expected:
        assert losses[key].dim() == 0 and math.isfinite(losses[key].item()), \
            key
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert model.student.backbone.conv1.weight.grad is not None
    assert all(p.grad is None for p in model.teacher.parameters())
