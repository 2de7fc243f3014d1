"""Run a repository recipe of another dataset (MPII, COCO-WholeBody) for
real on its tiny set: three training iterations and a validation, on CPU.

The config is used as shipped - model, dataset class, pipelines, metric,
hooks, schedule - except for where the data is (``data_root``, ``ann_file``,
MPII's head boxes; no detection boxes), the loaders (batch 2, no worker
processes, the first 5 training samples), one epoch, the work directory,
and no ImageNet weights (``init_cfg`` ``Pretrained`` entries dropped: they
are downloaded when training starts). The tests replace ``teacher_ckpt``
(a URL) by a local file, :func:`save_random_teacher`.
"""
import os.path as osp
from typing import Dict, Optional

import torch
import yaml
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope

from tests.config_runs import CONFIGS_ROOT, LOADERS

# Three iterations (2 + 2 + 1 samples), not two: the recipes' warm-ups last
# 20% of the run, and DistillLossWeightHook rounds 20% of two iterations to
# an empty ramp, which it refuses ("linear schedule needs end > begin").
TRAIN_SAMPLES = 5
BATCH_SIZE = 2


def drop_pretrained(cfg) -> None:
    """Set every ``init_cfg=dict(type='Pretrained', ...)`` under ``cfg``
    to None, in place."""
    items = cfg.items() if isinstance(cfg, dict) else enumerate(cfg) \
        if isinstance(cfg, list) else ()
    for key, value in list(items):
        if key == 'init_cfg' and isinstance(value, dict) and \
                value.get('type') == 'Pretrained':
            cfg[key] = None
        elif isinstance(value, (dict, list)):
            drop_pretrained(value)


def load_config(config: str) -> Config:
    """``configs/<config>`` as shipped."""
    return Config.fromfile(osp.join(CONFIGS_ROOT, config))


def tiny_config(config: str,
                data_root: str,
                ann_file: str,
                work_dir: str,
                evaluator: Dict,
                test_dataset: Optional[Dict] = None) -> Config:
    """``configs/<config>`` retargeted to a tiny set.

    Args:
        config: Path under ``configs/``.
        data_root: Folder of the images and ``ann_file``.
        ann_file: Annotation file name, for every loader.
        work_dir: The run's work directory.
        evaluator: Keys replaced in the val/test evaluator (its type is
            the recipe's).
        test_dataset: Extra keys of the val/test datasets.
    """
    cfg = load_config(config)
    for name in LOADERS:
        loader = cfg[name]
        loader.update(batch_size=BATCH_SIZE, num_workers=0,
                      persistent_workers=False)
        dataset = loader.dataset
        dataset.update(data_root=data_root, ann_file=ann_file,
                       data_prefix=dict(img=''), bbox_file=None)
        if dataset.get('test_mode', False):
            dataset.update(test_dataset or {})
    cfg.train_dataloader.dataset.indices = TRAIN_SAMPLES
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name] = ConfigDict(cfg[name], **evaluator)
    drop_pretrained(cfg.model)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    return cfg


def save_random_teacher(cfg: Config, path: str) -> Dict:
    """Save the distiller's teacher, randomly initialised (seed 1), as a
    runner-style checkpoint at ``path``, point ``teacher_ckpt`` at it and
    return its state dict."""
    from mmpose.registry import MODELS

    from mmpose_kd.model_parts.model_config import resolve_model_cfg
    init_default_scope('mmpose')
    torch.manual_seed(1)
    teacher = MODELS.build(resolve_model_cfg(cfg.model.teacher, 'teacher'))
    state = {k: v.clone() for k, v in teacher.state_dict().items()}
    torch.save(dict(meta=dict(), state_dict=state), path)
    cfg.model.teacher_ckpt = path
    return state


def runner_with_random_teacher(cfg: Config, work_dir: str):
    """``(Runner, teacher state)`` for ``cfg``: a distiller's teacher comes
    from :func:`save_random_teacher` (state None for a plain model)."""
    from mmengine.runner import Runner
    state = None
    if 'teacher' in cfg.model:
        state = save_random_teacher(cfg, osp.join(work_dir, 'teacher.pth'))
    return Runner.from_cfg(cfg), state


def history(runner, key):
    """Values logged under ``train/<key>``, one per iteration."""
    return list(runner.message_hub.log_scalars[f'train/{key}'].data[0])


def zoo_weights(model_index: str, name: str) -> str:
    """The ``Weights`` URL of model ``name`` in one of MMPose's bundled
    model-index files (``mmpose/.mim/configs/<model_index>``)."""
    import mmpose
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                    model_index)
    with open(path, encoding='utf-8') as f:
        models = yaml.safe_load(f)['Models']
    return next(m['Weights'] for m in models if m['Name'] == name)
