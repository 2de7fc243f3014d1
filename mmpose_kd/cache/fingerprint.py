"""What a teacher cache was built from, and the check that it still fits.

A fingerprint has three parts, each compared where the training run knows
it:

- ``teacher``: the teacher's model config and the SHA-256 of its checkpoint
  (checked by the distiller, :class:`~mmpose_kd.models.distillers.
  cached_teacher.CachedTeacher`);
- ``dataset``: the dataset type, mode, instance count and the SHA-256 of
  its annotation file;
- ``pipeline``: the deterministic transforms that make the crop
  (everything up to ``TopdownAffine`` except the replayed random ones),
  both checked by :class:`~mmpose_kd.engine.hooks.TeacherCacheHook`.

A mismatch raises :class:`TeacherCacheMismatchError` naming the part and the
first differing fields, with both values.
"""
import hashlib
import json
import os.path as osp
from typing import Iterator, List, Optional, Tuple

from mmengine.config import ConfigDict

from mmpose_kd.utils.file_hash import file_sha256
from mmpose_kd.utils.remote_checkpoint import (fetch_checkpoint,
                                               is_remote_checkpoint)


class TeacherCacheMismatchError(ValueError):
    """The cache was built for another teacher, dataset or pipeline."""


def plain(value):
    """``value`` with ConfigDicts as dicts and tuples as lists (JSON-able,
    and equal to its own JSON round trip)."""
    if isinstance(value, (dict, ConfigDict)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def digest(value) -> str:
    """SHA-256 of ``value``'s canonical JSON."""
    text = json.dumps(plain(value), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def teacher_fingerprint(teacher_cfg: dict,
                        checkpoint: Optional[str]) -> dict:
    """The teacher part: its model config (``init_cfg`` dropped, as the
    distiller does) and its checkpoint's SHA-256 (None without one)."""
    model = plain(teacher_cfg)
    model.pop('init_cfg', None)
    if checkpoint is not None and is_remote_checkpoint(checkpoint):
        checkpoint = fetch_checkpoint(checkpoint, field='teacher_ckpt')
    return dict(
        model=model,
        checkpoint=None if checkpoint is None else osp.basename(checkpoint),
        checkpoint_sha256=None if checkpoint is None else
        file_sha256(checkpoint))


def dataset_fingerprint(dataset) -> dict:
    """The dataset part, from a built MMPose/MMEngine dataset."""
    ann_file = getattr(dataset, 'ann_file', None)
    return dict(
        type=type(dataset).__name__,
        data_mode=getattr(dataset, 'data_mode', None),
        num_instances=len(dataset),
        ann_file=osp.basename(ann_file) if ann_file else None,
        ann_file_sha256=file_sha256(ann_file)
        if ann_file and osp.isfile(ann_file) else None)


def pipeline_fingerprint(crop_transforms: List[dict]) -> dict:
    """The pipeline part: the crop transforms' configs, in order."""
    return dict(crop_transforms=plain(crop_transforms))


def differences(cached, current, path: str = '') -> Iterator[Tuple]:
    """``(path, cached value, current value)`` of every differing leaf."""
    if isinstance(cached, dict) and isinstance(current, dict):
        for key in sorted(set(cached) | set(current)):
            yield from differences(cached.get(key, '<absent>'),
                                   current.get(key, '<absent>'),
                                   f'{path}.{key}' if path else key)
    elif isinstance(cached, list) and isinstance(current, list) and \
            len(cached) == len(current):
        for index, (a, b) in enumerate(zip(cached, current)):
            yield from differences(a, b, f'{path}[{index}]')
    elif cached != current:
        yield path, cached, current


#: What each part is called in an error message.
PART_NAMES = dict(
    teacher='teacher (model config or checkpoint)',
    dataset='dataset (annotation file, instance count or type)',
    pipeline='training pipeline (the transforms that make the crop)')
#: Fields that are only informative: a renamed file with the same content
#: is the same cache.
INFORMATIVE = ('checkpoint', 'ann_file')


def check_part(root: str, part: str, cached: dict, current: dict,
               ignore: Tuple[str, ...] = ()) -> None:
    """Raise :class:`TeacherCacheMismatchError` unless ``cached`` (from the
    manifest) and ``current`` agree on every field but the informative ones
    and ``ignore``."""
    skip = set(INFORMATIVE) | set(ignore)
    found = [(path, a, b) for path, a, b in differences(plain(cached),
                                                        plain(current))
             if path.split('.')[0].split('[')[0] not in skip]
    if not found:
        return
    lines = [f'  {part}.{path}: cache {_short(a)}, this run {_short(b)}'
             for path, a, b in found[:5]]
    more = f'\n  ... and {len(found) - 5} more' if len(found) > 5 else ''
    hint = ''
    if any(path == 'checkpoint_sha256' for path, _, _ in found):
        hint = (f' (cache built from {cached.get("checkpoint")!r}, this run '
                f'names {current.get("checkpoint")!r})')
    raise TeacherCacheMismatchError(
        f'teacher cache {root!r} was built for another '
        f'{PART_NAMES.get(part, part)}{hint}:\n' + '\n'.join(lines) + more +
        '\nRebuild it for this run (python tools/build_teacher_cache.py) or '
        'point the config at the cache that matches.')


def _short(value, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(
        value, str) else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'
