"""Drive the replay of a teacher cache during training (docs/teacher_cache.md).

:class:`TeacherCacheHook` checks, before training, that the cache the
training pipeline replays was built for this dataset and this pipeline's
crop (and is the one the distiller reads), and tells the replay transform
the epoch before each one, which selects the view each instance replays.
"""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from mmpose_kd.cache.fingerprint import (check_part, dataset_fingerprint,
                                         pipeline_fingerprint)
from mmpose_kd.cache.transforms import ReplayTeacherCacheView
from mmpose_kd.cache.views import crop_transforms
from mmpose_kd.registry import HOOKS


def _datasets(dataset):
    """``dataset`` and the datasets it wraps (Concat/Repeat/ClassBalanced)."""
    yield dataset
    for inner in [getattr(dataset, 'dataset', None)] + list(
            getattr(dataset, 'datasets', None) or []):
        if inner is not None:
            yield from _datasets(inner)


def _pipeline_cfg(dataset_cfg):
    """The first ``pipeline`` list in a (possibly wrapped) dataset config."""
    if 'pipeline' in dataset_cfg:
        return list(dataset_cfg['pipeline'])
    for inner in [dataset_cfg.get('dataset')] + list(
            dataset_cfg.get('datasets') or []):
        if inner is not None:
            found = _pipeline_cfg(inner)
            if found is not None:
                return found
    return None


@HOOKS.register_module()
class TeacherCacheHook(Hook):
    """Check a teacher cache against the run, and set the epoch it replays.

    Before training: finds every :class:`~mmpose_kd.cache.
    ReplayTeacherCacheView` in the training dataset's pipeline (none is an
    error), checks each cache's fingerprint against the training dataset
    (type, instance count, annotation file content) and the pipeline's crop
    transforms, and that it is the cache the distiller's ``teacher_cache``
    names. Refuses persistent DataLoader workers: they would keep the epoch
    they started with. Before each epoch: sets the transforms' ``epoch``.
    """

    priority = 'NORMAL'

    def __init__(self):
        self.transforms = []

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        dataset = loader.dataset
        owners = [(d, t) for d in _datasets(dataset)
                  for t in getattr(getattr(d, 'pipeline', None),
                                   'transforms', [])
                  if isinstance(t, ReplayTeacherCacheView)]
        self.transforms = [t for _, t in owners]
        if not self.transforms:
            raise ValueError(
                'TeacherCacheHook: the training pipeline has no '
                'ReplayTeacherCacheView, so no teacher cache is replayed.')
        if loader.num_workers > 0 and loader.persistent_workers:
            raise ValueError(
                'TeacherCacheHook: train_dataloader.persistent_workers=True '
                'keeps each worker\'s copy of the pipeline from its first '
                'epoch, so the replayed view would never change; set '
                'train_dataloader.persistent_workers=False.')
        pipeline = _pipeline_cfg(runner.cfg.train_dataloader.dataset)
        model = runner.model.module if is_model_wrapper(runner.model) else \
            runner.model
        cached_teacher = getattr(model, 'cached_teacher', None)
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            print_log(
                'TeacherCacheHook: the epoch selects the replayed view; an '
                f'{type(runner.train_loop).__name__} has one epoch, so every'
                ' instance replays one view throughout.', logger='current',
                level=logging.WARNING)
        for owner, transform in owners:
            cache = transform.cache
            fingerprint = cache.manifest['fingerprint']
            check_part(cache.root, 'dataset', fingerprint['dataset'],
                       dataset_fingerprint(owner))
            if pipeline is not None:
                check_part(cache.root, 'pipeline', fingerprint['pipeline'],
                           pipeline_fingerprint(crop_transforms(pipeline)))
            if cached_teacher is not None and \
                    cached_teacher.cache_id != cache.cache_id:
                raise ValueError(
                    f'TeacherCacheHook: the pipeline replays teacher cache '
                    f'{cache.root!r}, the distiller reads '
                    f'{cached_teacher.root!r}; point both at one cache.')

    def before_train_epoch(self, runner) -> None:
        for transform in self.transforms:
            transform.epoch = runner.epoch
