"""The shipped configs made runnable offline on tiny data, for the fuzzer.

Every config under ``configs/`` (``_base_`` skipped) is read as shipped and
changed only where a CPU-only machine without internet or the real data
needs it, before any mutation:

- its loaders read the tiny set of their dataset type (``coco_tiny`` for
  COCO and the generated default data, its whole-body file for
  COCO-WholeBody, ``crowdpose_tiny``, ``mpii_tiny``), batch 2, no workers;
  its evaluators read the same annotation file; a config whose tiny set is
  not there is reported as not runnable;
- one epoch (or two iterations) of training, logger every iteration, a
  fixed seed where the config sets none (runs must be reproducible);
- checkpoints named by URL or not present (``teacher_ckpt``, ``init_cfg``
  ``Pretrained``) become local files saved from randomly initialised
  models, and a student/teacher config path whose model holds such a URL
  is inlined;
- a recipe that reads a teacher cache gets one built for the tiny set from
  its own teacher (its live form: no cache, no replay).

The tiny COCO set is the tests' one (``tests/coco_tiny.py``): the real
``../shared/data/coco_tiny`` when present, else its generated stand-in.
"""
import copy
import glob
import importlib.util
import os
import os.path as osp
from typing import Dict, List, Optional

import torch
from mmengine.config import Config

from . import REPO_ROOT

CONFIGS_ROOT = osp.join(REPO_ROOT, 'configs')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
BATCH_SIZE = 2
DISTILLERS = ('PoseDistiller', 'mmpose_kd.PoseDistiller')
CACHE_REPLAY = 'ReplayTeacherCacheView'
CACHE_PACKER = 'PackPoseInputsWithTeacherCache'
#: dataset type -> (tiny folder, annotation file) under the shared data.
TINY_SETS = {
    'CocoDataset': ('coco_tiny', 'test_coco.json'),
    'SyntheticCocoDataset': ('coco_tiny', 'test_coco.json'),
    'CocoWholeBodyDataset': ('coco_tiny', 'test_coco_wholebody.json'),
    'CrowdPoseDataset': ('crowdpose_tiny', 'test_crowdpose.json'),
    'MpiiDataset': ('mpii_tiny', 'test_mpii.json'),
}


class NotRunnable(Exception):
    """A shipped config the fuzzer cannot run here (reason in the message)."""


def shipped_configs() -> List[str]:
    """Every config under ``configs/`` but ``_base_``, relative, sorted."""
    paths = glob.glob(osp.join(CONFIGS_ROOT, '**', '*.py'), recursive=True)
    return sorted(rel for rel in (osp.relpath(p, CONFIGS_ROOT) for p in paths)
                  if '_base_' not in rel.split(osp.sep))


def _tests_module(name: str):
    """``tests/<name>.py`` of the checkout, loaded by path (an installed
    package called ``tests`` may shadow the checkout's folder)."""
    spec = importlib.util.spec_from_file_location(
        f'_fuzz_{name}', osp.join(REPO_ROOT, 'tests', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def base_type(type_name) -> str:
    return str(type_name).split('.')[-1]


def is_distiller(model: dict) -> bool:
    return model.get('type') in DISTILLERS


def _remote(value) -> bool:
    from mmpose_kd.utils.remote_checkpoint import is_remote_checkpoint
    return isinstance(value, str) and is_remote_checkpoint(value)


def _has_remote(node) -> bool:
    if isinstance(node, dict):
        return any(_has_remote(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_has_remote(v) for v in node)
    return _remote(node)


def _without_init_cfg(node):
    if isinstance(node, dict):
        return {k: _without_init_cfg(v) for k, v in node.items()
                if k != 'init_cfg'}
    if isinstance(node, list):
        return [_without_init_cfg(v) for v in node]
    return node


class Workspace:
    """Tiny data, local checkpoints and teacher caches under ``root``.

    Args:
        root (str): A scratch folder the fuzzer owns (removed afterwards).
        data_dir (str, optional): The shared data folder holding
            ``coco_tiny`` and the other tiny sets; defaults to the tests'.
    """

    def __init__(self, root: str, data_dir: Optional[str] = None):
        self.root = root
        coco_tiny = _tests_module('coco_tiny')
        self.data_dir = data_dir or coco_tiny.SHARED_DATA_ROOT
        self.coco_dir = coco_tiny.real_coco_tiny(self.data_dir, False)
        self.notes = []
        if self.coco_dir is None:
            self.coco_dir = coco_tiny.build_coco_tiny_standin(
                osp.join(root, 'coco_tiny_standin'))
            self.notes.append(f'{self.data_dir}/coco_tiny is absent: the '
                              'generated stand-in is used')
        self._checkpoints: Dict[str, str] = {}
        self._prepared: Dict[str, dict] = {}

    # ------------------------------------------------------------ tiny data
    def tiny_set(self, dataset_type: str) -> Optional[dict]:
        """``dict(type, data_root, ann_file, img)`` of the tiny set for
        ``dataset_type``, or None when there is none here."""
        name = base_type(dataset_type)
        if name not in TINY_SETS:
            return None
        folder, ann_file = TINY_SETS[name]
        root = self.coco_dir if folder == 'coco_tiny' else osp.join(
            self.data_dir, folder)
        kind = 'CocoDataset' if name == 'SyntheticCocoDataset' else name
        if not osp.isfile(osp.join(root, ann_file)):
            return None
        return dict(type=kind, data_root=root, ann_file=ann_file, img='')

    # ---------------------------------------------------------- checkpoints
    def random_weights(self, model_cfg: dict, name: str) -> str:
        """A local checkpoint of ``model_cfg`` randomly initialised (seed 0),
        saved once per distinct config."""
        from mmengine.registry import init_default_scope
        from mmpose_kd.cache.fingerprint import digest
        from mmpose_kd.registry import MODELS
        key = digest(model_cfg)
        if key not in self._checkpoints:
            init_default_scope('mmpose')
            torch.manual_seed(0)
            module = MODELS.build(_without_init_cfg(copy.deepcopy(model_cfg)))
            os.makedirs(osp.join(self.root, 'checkpoints'), exist_ok=True)
            path = osp.join(self.root, 'checkpoints',
                            f'{name}_{key[:8]}.pth')
            torch.save(dict(state_dict=module.state_dict()), path)
            self._checkpoints[key] = path
        return self._checkpoints[key]

    def _local_pretrained(self, node, name: str):
        """``init_cfg`` Pretrained URLs below ``node`` -> local files."""
        if isinstance(node, list):
            for item in node:
                self._local_pretrained(item, name)
        if not isinstance(node, dict):
            return
        init_cfg = node.get('init_cfg')
        if isinstance(init_cfg, dict) and _remote(init_cfg.get('checkpoint')) \
                and 'type' in node:
            init_cfg['checkpoint'] = self.random_weights(
                {k: v for k, v in node.items() if k != 'init_cfg'}, name)
        for key, value in node.items():
            if key != 'init_cfg':
                self._local_pretrained(value, name)

    # ---------------------------------------------------------------- prepare
    def prepare(self, config: str) -> dict:
        """The runnable form of ``configs/<config>`` as a plain dict (a new
        copy each call). Raises :class:`NotRunnable`."""
        if config not in self._prepared:
            self._prepared[config] = self._prepare(config)
        return copy.deepcopy(self._prepared[config])

    def _prepare(self, config: str) -> dict:
        cfg = Config.fromfile(osp.join(CONFIGS_ROOT, config)).to_dict()
        for name in LOADERS:
            self._retarget_loader(cfg, name)
        tiny = self.tiny_set(cfg['train_dataloader']['dataset']['type'])
        for name in EVALUATORS:
            evaluators = cfg.get(name)
            for metric in evaluators if isinstance(evaluators, list) else [
                    evaluators]:
                if isinstance(metric, dict) and 'ann_file' in metric:
                    metric['ann_file'] = osp.join(tiny['data_root'],
                                                  tiny['ann_file'])
        train_cfg = cfg['train_cfg']
        if train_cfg.get('by_epoch', True) and 'max_iters' not in train_cfg:
            train_cfg.update(max_epochs=1, val_interval=1)
        else:
            train_cfg.update(max_iters=2, val_interval=2)
        cfg['default_hooks']['logger']['interval'] = 1
        cfg['log_level'] = 'WARNING'
        cfg.setdefault('randomness', dict(seed=0))
        if _remote(cfg.get('load_from')):
            cfg['load_from'] = None
        model = cfg['model']
        if is_distiller(model):
            self._localise_distiller(cfg, config)
        elif model.get('teacher_pretrained'):  # MMPose's DWPoseDistiller
            model['teacher_pretrained'] = self.random_weights(
                Config.fromfile(model['teacher_cfg']).model.to_dict(),
                'teacher')
        self._local_pretrained(model, 'pretrained')
        if is_distiller(model) and model.get('teacher_cache'):
            self._attach_teacher_cache(cfg, config)
        return cfg

    def _retarget_loader(self, cfg: dict, name: str) -> None:
        loader = cfg[name]
        dataset = loader['dataset']
        tiny = self.tiny_set(dataset['type'])
        if tiny is None:
            raise NotRunnable(f'no tiny data for {dataset["type"]} here '
                              f'(looked in {self.data_dir})')
        loader.update(batch_size=BATCH_SIZE, num_workers=0,
                      persistent_workers=False)
        loader['dataset'] = dict(
            type=tiny['type'], data_root=tiny['data_root'],
            data_mode=dataset.get('data_mode', 'topdown'),
            ann_file=tiny['ann_file'], data_prefix=dict(img=tiny['img']),
            pipeline=dataset['pipeline'],
            test_mode=dataset.get('test_mode', False))

    def _localise_distiller(self, cfg: dict, config: str) -> None:
        from mmpose_kd.model_parts.model_config import \
            resolve_model_cfg
        model = cfg['model']
        for part in ('student', 'teacher'):
            spec = model[part]
            if isinstance(spec, str) and _has_remote(
                    resolve_model_cfg(spec, part).to_dict()):
                model[part] = resolve_model_cfg(spec, part).to_dict()
        teacher = model['teacher']
        if isinstance(teacher, str):
            teacher = resolve_model_cfg(teacher, 'teacher').to_dict()
        if 'teacher_ckpt' in model:
            model['teacher_ckpt'] = self.random_weights(teacher, 'teacher')
            cfg['teacher_ckpt'] = model['teacher_ckpt']

    def _attach_teacher_cache(self, cfg: dict, config: str) -> None:
        from mmpose_kd.cache import build_teacher_cache
        out_dir = osp.join(self.root, 'teacher_caches',
                           osp.splitext(osp.basename(config))[0])
        live = copy.deepcopy(cfg)
        live['model'].pop('teacher_cache')
        dataset = live['train_dataloader']['dataset']
        dataset['pipeline'] = [
            dict(t, type='PackPoseInputs')
            if base_type(t['type']) == CACHE_PACKER else t
            for t in dataset['pipeline']
            if base_type(t['type']) != CACHE_REPLAY]
        if not osp.isdir(out_dir):
            build_teacher_cache(Config(live), out_dir, num_views=2,
                                heatmaps=True, batch_size=8, progress=False)
        cfg['model']['teacher_cache']['dir'] = out_dir
        for transform in cfg['train_dataloader']['dataset']['pipeline']:
            if base_type(transform['type']) == CACHE_REPLAY:
                transform['cache_dir'] = out_dir
