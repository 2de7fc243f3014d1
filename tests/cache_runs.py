"""Teacher caches for the tests: the TCD recipes on coco_tiny, built small.

The live recipe (``quickstart/tcd_...``) with the shipped teacher is what
the builder reads; the cached recipe (``crd/tcd-cached_...``) is what
trains from the cache. Both are retargeted to coco_tiny (12 instances with
keypoints) by :func:`tests.config_runs.coco_tiny_config`.
"""
import os.path as osp

from mmpose_kd.cache import build_teacher_cache
from tests.config_runs import REPO_ROOT, coco_tiny_config

LIVE_TCD = 'quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
CACHED_TCD = 'crd/tcd-cached_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
LIVE_IKD_LOGIT = 'ikd/ikd-logit_hm-res18-w32_hm-res18-w18_synthetic-128x96.py'
CACHED_IKD_LOGIT = ('ikd/ikd-logit-cached_hm-res18-w32_hm-res18-w18_'
                    'synthetic-128x96.py')
SHIPPED_TEACHER = osp.join(REPO_ROOT, 'checkpoints',
                           'quickstart_teacher_fp16.pth')


def live_cfg(data_dir: str, work_dir: str, max_epochs: int = 1,
             recipe: str = LIVE_TCD):
    cfg = coco_tiny_config(recipe, data_dir, work_dir, max_epochs)
    cfg.model.teacher_ckpt = cfg.teacher_ckpt = SHIPPED_TEACHER
    return cfg


def cached_cfg(data_dir: str, work_dir: str, cache_dir: str,
               max_epochs: int = 1, view=None, recipe: str = CACHED_TCD):
    """The cached ``recipe`` on coco_tiny, reading ``cache_dir``."""
    cfg = coco_tiny_config(recipe, data_dir, work_dir, max_epochs)
    cfg.model.teacher_ckpt = cfg.teacher_ckpt = SHIPPED_TEACHER
    cfg.model.teacher_cache.dir = cache_dir
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform['type'].endswith('ReplayTeacherCacheView'):
            transform['cache_dir'] = cache_dir
            transform['view'] = view
    return cfg


def build_cache(data_dir: str, work_dir: str, out_dir: str, views: int = 2,
                heatmaps: bool = True, **kwargs):
    """Build the shipped teacher's cache of coco_tiny into ``out_dir``."""
    return build_teacher_cache(
        live_cfg(data_dir, work_dir), out_dir, views, heatmaps=heatmaps,
        batch_size=kwargs.pop('batch_size', 8), progress=False, **kwargs)
