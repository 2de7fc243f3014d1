"""Pipeline transforms that train a student from a teacher cache.

In a cached training pipeline, :class:`ReplayTeacherCacheView` takes the
place of the random geometric transforms (``RandomFlip``,
``RandomHalfBody``, ``RandomBBoxTransform``): it makes one of the views the
teacher saw and attaches the teacher's targets for it.
:class:`PackPoseInputsWithTeacherCache` takes the place of
``PackPoseInputs`` and carries those targets into the data sample, as
``data_sample.teacher_targets`` (moved to the model's device with the rest
of the sample), where the distiller reads them. See docs/teacher_cache.md.
"""
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement
from mmpose.datasets.transforms import PackPoseInputs

from mmpose_kd.registry import TRANSFORMS
from .store import TeacherCache
from .views import apply_view, view_for_epoch

#: Key of the targets in a pipeline's results dict, and name of the data
#: sample field they are packed into.
TARGETS_KEY = 'teacher_targets'


@TRANSFORMS.register_module()
class ReplayTeacherCacheView(BaseTransform):
    """Replay a cached view of each instance and attach the teacher's targets.

    Place it where the training pipeline had its random geometric
    transforms (after ``GetBBoxCenterScale``, before ``TopdownAffine``).
    The instance is found by its dataset index (``sample_idx``) and checked
    against the annotation id the cache holds for it. The view is
    ``view`` when given, else the epoch's (``(epoch + offset(index)) % V``,
    see :mod:`mmpose_kd.cache.views`), with the epoch set by
    :class:`~mmpose_kd.engine.hooks.TeacherCacheHook` before each epoch.

    Args:
        cache_dir (str): The cache directory (``--out`` of
            ``tools/build_teacher_cache.py``).
        view (int, optional): Always replay this view (tests, benchmarks).
            Defaults to None: the epoch's view.

    Note:
        Adds ``results['teacher_targets']``: ``keypoints`` (K, 2) float32
        in heatmap pixels, ``scores`` (K, ) float32, ``heatmaps``
        (K, H, W) float16 when the cache has them, and ``cache_id``,
        ``sample_idx``, ``view``.
    """

    def __init__(self, cache_dir: str, view: Optional[int] = None):
        self.cache_dir = cache_dir
        self.view = view
        #: Set by TeacherCacheHook at the start of every training epoch.
        self.epoch = None
        self._cache = None

    @property
    def cache(self) -> TeacherCache:
        """The cache, opened (and checked) on first use in each process."""
        if self._cache is None:
            self._cache = TeacherCache.open(self.cache_dir)
            if self.view is not None and not \
                    0 <= self.view < self._cache.num_views:
                raise ValueError(
                    f'{type(self).__name__}: `view` must be in [0, '
                    f'{self._cache.num_views}) for cache {self.cache_dir!r},'
                    f' got {self.view!r}.')
        return self._cache

    def __getstate__(self):
        # Worker processes reopen the memory maps instead of receiving
        # copies of the arrays.
        state = dict(self.__dict__)
        state['_cache'] = None
        return state

    def choose_view(self, index: int) -> int:
        if self.view is not None:
            return self.view
        if self.epoch is None:
            raise RuntimeError(
                f'{type(self).__name__}: no epoch set. Add '
                "dict(type='mmpose_kd.TeacherCacheHook') to custom_hooks "
                '(it sets the epoch before each one), or give a fixed '
                '`view`.')
        return view_for_epoch(self.epoch, index, self.cache.num_views,
                              self.cache.manifest['seed'])

    def transform(self, results: dict) -> dict:
        cache = self.cache
        index = results.get('sample_idx')
        if index is None or not 0 <= index < cache.num_instances:
            raise IndexError(
                f'{type(self).__name__}: dataset index {index!r} is not in '
                f'teacher cache {self.cache_dir!r}, which holds '
                f'{cache.num_instances} instances (built with '
                '--max-instances, or for another dataset).')
        cached_id = int(cache.arrays['ann_ids'][index])
        if cached_id != -1 and 'id' in results and \
                int(results['id']) != cached_id:
            raise ValueError(
                f'{type(self).__name__}: dataset index {index} is annotation '
                f'{results["id"]} here but {cached_id} in teacher cache '
                f'{self.cache_dir!r}: the cache was built for another '
                'dataset (or another order of it).')
        view = self.choose_view(index)
        arrays = cache.arrays
        results = apply_view(
            results, arrays['view_flip'][index, view],
            arrays['view_float64'][index, view],
            arrays['view_center'][index, view],
            arrays['view_scale'][index, view],
            float(arrays['view_rotation'][index, view]))
        targets = dict(
            keypoints=np.array(arrays['keypoints'][index, view]),
            scores=np.array(arrays['scores'][index, view]),
            cache_id=cache.cache_id, sample_idx=int(index), view=int(view))
        if cache.has_heatmaps:
            targets['heatmaps'] = np.array(arrays['heatmaps'][index, view])
        results[TARGETS_KEY] = targets
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(cache_dir={self.cache_dir!r}, '
                f'view={self.view!r})')


@TRANSFORMS.register_module()
class PackPoseInputsWithTeacherCache(PackPoseInputs):
    """``PackPoseInputs`` that also packs the cached teacher targets.

    The targets become ``data_sample.teacher_targets``, a
    ``BaseDataElement`` whose data are tensors (``keypoints``, ``scores``,
    ``heatmaps`` when cached, each with a leading instance axis of 1) and
    whose metainfo is ``cache_id``, ``sample_idx``, ``view``.

    Args:
        meta_keys (Sequence[str]): As ``PackPoseInputs``: the result keys
            stored as the sample's metainfo.
        pack_transformed (bool): As ``PackPoseInputs``: also pack the
            transformed keypoints. Defaults to False.
    """

    def transform(self, results: dict) -> dict:
        if TARGETS_KEY not in results:
            raise KeyError(
                f'{type(self).__name__}: the sample has no teacher targets; '
                'put ReplayTeacherCacheView before TopdownAffine in the '
                'training pipeline.')
        packed = super().transform(results)
        targets = dict(results[TARGETS_KEY])
        meta = {k: targets.pop(k) for k in ('cache_id', 'sample_idx',
                                            'view')}
        element = BaseDataElement(metainfo=meta)
        for name, value in targets.items():
            element.set_field(torch.from_numpy(value[None]), name)
        packed['data_samples'].set_field(element, TARGETS_KEY)
        return packed
