"""Train a repository config for real on the tiny COCO set (1 epoch, CPU).

The config is used as shipped - model, pipelines, hooks, schedule - except
for the data (``CocoDataset`` on ``coco_tiny``), the loaders (batch 4, no
worker processes), the epoch count and the work directory.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS_ROOT = osp.join(REPO_ROOT, 'configs')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def coco_tiny_config(config: str, data_dir: str, work_dir: str,
                     max_epochs: int = 1, batch_size: int = 4) -> Config:
    """``configs/<config>`` retargeted to ``data_dir`` (coco_tiny)."""
    cfg = Config.fromfile(osp.join(CONFIGS_ROOT, config))
    for name in LOADERS:
        loader = cfg[name].to_dict()
        dataset = loader['dataset']
        loader.update(
            batch_size=batch_size, num_workers=0, persistent_workers=False)
        loader['dataset'] = dict(
            type='CocoDataset',
            data_root=data_dir,
            data_mode='topdown',
            ann_file='test_coco.json',
            data_prefix=dict(img=''),
            pipeline=dataset['pipeline'],
            test_mode=dataset.get('test_mode', False))
        cfg[name] = loader
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name] = dict(
            type='CocoMetric', ann_file=osp.join(data_dir, 'test_coco.json'))
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = max_epochs
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    return cfg


def train(cfg: Config) -> Runner:
    """Build a Runner from ``cfg``, train it and return it."""
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner
