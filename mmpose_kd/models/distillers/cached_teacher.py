"""A teacher read from a teacher cache instead of run (docs/teacher_cache.md).

With ``PoseDistiller(teacher_cache=dict(dir=...))`` the teacher is never
built or run: its outputs for each sample come with the sample
(``data_sample.teacher_targets``, packed by
:class:`~mmpose_kd.cache.PackPoseInputsWithTeacherCache`) and are handed to
the losses in the structure the live teacher's head output has: (B, K, H, W)
heatmaps when the cache holds them, else
:class:`~mmpose_kd.models.losses.teacher_keypoints.DecodedTeacherKeypoints`.
At build time the cache's fingerprint is checked against the teacher config
and checkpoint, and every loss that needs more than the cache holds
(teacher features, or heatmaps from a keypoints-only cache) is refused,
naming the loss.
"""
import dataclasses
from typing import Dict, Optional

import torch

from mmpose_kd.cache.fingerprint import check_part, teacher_fingerprint
from mmpose_kd.cache.store import TeacherCache
from mmpose_kd.cache.transforms import TARGETS_KEY
from mmpose_kd.model_parts.model_pair import keypoint_count
from mmpose_kd.models.losses import (CoordDistillLoss,
                                     HeatmapLogitDistillLoss,
                                     KeypointRelationDistillLoss,
                                     RenderedHeatmapDistillLoss,
                                     SkeletonDistillLoss)
from mmpose_kd.models.losses.teacher_keypoints import DecodedTeacherKeypoints
from mmpose_kd.registry import MODELS
from mmpose_kd.utils.module_paths import parse_tap
from .loss_routes import HEAD_OUTPUT_PATHS, LossRoute

#: Losses that read nothing but the teacher's heatmaps.
HEATMAP_LOSSES = (CoordDistillLoss, RenderedHeatmapDistillLoss,
                  HeatmapLogitDistillLoss, KeypointRelationDistillLoss,
                  SkeletonDistillLoss)
#: Losses a cache without heatmaps can feed.
KEYPOINT_LOSSES = (CoordDistillLoss, )
CACHE_KEYS = ('dir', )
#: The record a coordinate loss reads: the cache's decoded keypoints.
KEYPOINTS = 'head.decoded_keypoints'


class CachedTeacher:
    """The cache side of a cached distiller: checks and target batches.

    Args:
        teacher_cache (dict): ``dict(dir=...)``, the cache directory.
        teacher_cfg (dict): The distiller's resolved teacher config.
        teacher_ckpt (str, optional): The distiller's ``teacher_ckpt``;
            when given, the cache must have been built from a file with the
            same content.
        student (nn.Module): The student (its keypoint count is checked).
    """

    def __init__(self, teacher_cache: dict, teacher_cfg: dict,
                 teacher_ckpt: Optional[str], student: torch.nn.Module):
        if not isinstance(teacher_cache, dict) or 'dir' not in \
                teacher_cache or set(teacher_cache) - set(CACHE_KEYS):
            raise ValueError(
                '`teacher_cache` must be dict(dir=CACHE_DIR), got '
                f'{teacher_cache!r}.')
        self.root = teacher_cache['dir']
        self.cache = TeacherCache.open(self.root)
        manifest = self.cache.manifest
        current = teacher_fingerprint(teacher_cfg, teacher_ckpt)
        cached = manifest['fingerprint']['teacher']
        # Without a teacher_ckpt in the config, the cache's is taken as is.
        check_part(self.root, 'teacher', cached, current,
                   ignore=() if teacher_ckpt else ('checkpoint_sha256', ))
        count = keypoint_count(student.head)
        if count is not None and count != manifest['num_keypoints']:
            raise ValueError(
                f'student.head predicts {count} keypoints, teacher cache '
                f'{self.root!r} holds {manifest["num_keypoints"]}.')
        self.cache_id = self.cache.cache_id
        self.heatmap_size = tuple(manifest['heatmap_size'])

    def check_loss(self, field: str, cfg: dict) -> None:
        """Refuse a loss config the cache cannot feed, naming it."""
        name = field.rsplit('.', 1)[-1]
        loss_type = MODELS.get(cfg['type'])
        if loss_type is None:
            return  # the loss build reports the unknown type
        supported = HEATMAP_LOSSES if self.cache.has_heatmaps else \
            KEYPOINT_LOSSES
        if not issubclass(loss_type, supported):
            need = 'the teacher\'s features' if not issubclass(
                loss_type, HEATMAP_LOSSES) else 'the teacher\'s heatmaps'
            hint = ('train it with the live teacher (no `teacher_cache`)'
                    if need.endswith('features') else
                    'rebuild the cache with --heatmaps')
            raise ValueError(
                f'`{field}` ({loss_type.__name__}) needs {need}, which '
                f'teacher cache {self.root!r} does not hold (it holds the '
                'teacher\'s decoded keypoints'
                f'{" and heatmaps" if self.cache.has_heatmaps else ""}): '
                f'{hint}, or remove `{name}`. Losses a cache can feed: '
                f'{", ".join(t.__name__ for t in supported)}.')

    def check_built_loss(self, field: str, loss,
                         route: LossRoute) -> LossRoute:
        """The route ``loss`` reads the cache through. A coordinate loss
        that decodes as the cache did reads the stored keypoints (no
        soft-argmax per step: it was most of a cached step's extra cost);
        from a keypoints-only cache it must decode so."""
        decode = self.cache.manifest['decode']
        if isinstance(loss, KEYPOINT_LOSSES) and \
                loss.decode_settings == decode:
            return dataclasses.replace(route, module=KEYPOINTS)
        if not self.cache.has_heatmaps and \
                loss.decode_settings != decode:
            raise ValueError(
                f'`{field}` ({type(loss).__name__}) decodes teacher heatmaps '
                f'with {loss.decode_settings}; teacher cache {self.root!r} '
                f'holds keypoints decoded with {decode} and no heatmaps: set '
                'the loss\'s soft_argmax_* to those, or rebuild the cache '
                'with --heatmaps.')
        return route

    def route(self, spec: str, field: str) -> LossRoute:
        """The route of a loss's ``teacher_input``: the head's output only."""
        tap = parse_tap(spec, field)
        if tap.path not in HEAD_OUTPUT_PATHS or tap.index is not None:
            raise ValueError(
                f'`{field}`={spec!r}: a teacher cache holds only the '
                'teacher\'s head output; use \'preds\', or train with the '
                'live teacher.')
        return LossRoute(field=field, tap=tap, module='head')

    def outputs(self, data_samples, device) -> Dict[str, object]:
        """``{'head': teacher output, KEYPOINTS: its decoded keypoints}``
        of a batch, from its samples."""
        targets = []
        for index, sample in enumerate(data_samples):
            element = getattr(sample, TARGETS_KEY, None)
            if element is None:
                raise KeyError(
                    f'data sample {index} has no `{TARGETS_KEY}`: with '
                    '`teacher_cache` the training pipeline must use '
                    'ReplayTeacherCacheView and '
                    'PackPoseInputsWithTeacherCache (docs/teacher_cache.md).')
            if element.metainfo.get('cache_id') != self.cache_id:
                raise ValueError(
                    f'data sample {index} carries targets of teacher cache '
                    f'{element.metainfo.get("cache_id")!r}, the distiller\'s'
                    f' cache {self.root!r} is {self.cache_id!r}: point the '
                    'pipeline and `teacher_cache` at the same directory.')
            targets.append(element)
        keypoints = torch.cat([t.keypoints for t in targets]).to(device)
        scores = torch.cat([t.scores for t in targets]).to(device)
        decoded = DecodedTeacherKeypoints(
            keypoints, scores, self.heatmap_size,
            dict(self.cache.manifest['decode']))
        if not self.cache.has_heatmaps:
            return {'head': decoded, KEYPOINTS: decoded}
        # float32 before the cat: CPU autocast (bfloat16 training) refuses
        # to concatenate the cache's float16 arrays.
        heatmaps = torch.cat([t.heatmaps.float() for t in targets])
        return {'head': heatmaps.to(device=device), KEYPOINTS: decoded}
