"""Augmented views of a top-down training pipeline: draw, record, replay.

A view is what the training pipeline's random geometric transforms
(:data:`VIEW_TRANSFORMS`: ``RandomFlip``, ``RandomHalfBody``,
``RandomBBoxTransform``) decide for one instance: whether and how the image
is flipped, and the box (centre, scale, rotation) that ``TopdownAffine``
then crops. Recording those values just before ``TopdownAffine`` is enough
to make the same crop again: the flip is re-applied with MMPose's own
``RandomFlip`` and the box is restored bit for bit.

The builder draws view ``v`` of instance ``i`` with NumPy's global RNG
seeded from ``(seed, i, v)`` (:func:`view_seed`), so a resumed build draws
the same views. During training, epoch ``e`` replays view
``(e + offset(i)) % V`` (:func:`view_for_epoch`): every instance cycles
through all of its V views in V epochs, instances out of phase.
"""
import random
from contextlib import contextmanager
from typing import List, Sequence, Tuple

import numpy as np

#: Random transforms whose effect is recorded and replayed.
VIEW_TRANSFORMS = ('RandomFlip', 'RandomHalfBody', 'RandomBBoxTransform')
#: The crop: recorded views are read just before it.
CROP_TRANSFORM = 'TopdownAffine'
#: The transform that replays a view in a cached training pipeline.
REPLAY_TRANSFORM = 'ReplayTeacherCacheView'
#: Transforms without randomness that may surround the crop.
DETERMINISTIC_TRANSFORMS = ('LoadImage', 'GetBBoxCenterScale',
                            'TopdownAffine', 'GenerateTarget',
                            'PackPoseInputs', 'PackPoseInputsWithTeacherCache')
#: Flip code stored per view -> ``RandomFlip`` direction (0: no flip).
FLIP_DIRECTIONS = (None, 'horizontal', 'vertical', 'diagonal')


def transform_name(cfg) -> str:
    """``'mmpose.RandomFlip'`` or a transform object -> ``'RandomFlip'``."""
    if isinstance(cfg, dict):
        return str(cfg.get('type', '')).split('.')[-1]
    return type(cfg).__name__


def crop_transforms(pipeline: Sequence[dict]) -> List[dict]:
    """The transforms that make the teacher's crop besides the view: those
    up to and including ``TopdownAffine``, without the random view
    transforms (builder) or the replay transform (cached training)."""
    names = [transform_name(t) for t in pipeline]
    if CROP_TRANSFORM not in names:
        raise ValueError(
            f'the training pipeline has no {CROP_TRANSFORM}; the teacher '
            f'cache supports top-down pipelines only (transforms: {names}).')
    end = names.index(CROP_TRANSFORM) + 1
    skip = set(VIEW_TRANSFORMS) | {REPLAY_TRANSFORM}
    return [dict(t) for t in pipeline[:end] if transform_name(t) not in skip]


def check_builder_pipeline(pipeline: Sequence[dict],
                           allowed: Sequence[str] = ()) -> None:
    """Raise unless every transform is replayable, deterministic or listed
    in ``allowed``, and the view transforms come before the crop."""
    names = [transform_name(t) for t in pipeline]
    crop_transforms(pipeline)  # raises without TopdownAffine
    crop_at = names.index(CROP_TRANSFORM)
    for index, name in enumerate(names):
        if name in VIEW_TRANSFORMS and index > crop_at:
            raise ValueError(
                f'training pipeline transform {index} ({name}) comes after '
                f'{CROP_TRANSFORM}; the teacher cache records views just '
                'before the crop.')
        if name == REPLAY_TRANSFORM:
            raise ValueError(
                f'training pipeline transform {index} is {REPLAY_TRANSFORM}:'
                ' build the cache from the live-teacher config (the one '
                'with the random transforms), not from the cached one.')
        if name not in VIEW_TRANSFORMS + DETERMINISTIC_TRANSFORMS + tuple(
                allowed):
            raise ValueError(
                f'training pipeline transform {index} ({name}) cannot be '
                f'replayed from a teacher cache: only '
                f'{", ".join(VIEW_TRANSFORMS)} are recorded, and '
                f'{", ".join(DETERMINISTIC_TRANSFORMS)} are known to be '
                'deterministic. A random transform outside these would '
                'give the student another image than the one the teacher '
                f'saw. Remove it, or pass --allow-transform {name} if it is '
                'deterministic or you accept that.')


def view_seed(seed: int, index: int, view: int) -> int:
    """The RNG seed that draws view ``view`` of instance ``index``."""
    return int(np.random.SeedSequence([seed, index, view]).generate_state(
        1)[0])


def view_for_epoch(epoch: int, index: int, num_views: int,
                   seed: int = 0) -> int:
    """The view instance ``index`` replays in ``epoch`` (see module doc)."""
    offset = int(np.random.SeedSequence([seed, index, 1 << 20])
                 .generate_state(1)[0])
    return (epoch + offset) % num_views


@contextmanager
def seeded_global_rng(seed: int):
    """Seed NumPy's and Python's global RNGs (what MMPose's transforms
    draw from), restoring their states afterwards."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def record_view(results: dict) -> Tuple[int, int, np.ndarray, np.ndarray,
                                        float]:
    """``(flip code, float64 bits, centre, scale, rotation)`` of the one
    instance in ``results``, read just before the crop."""
    direction = results.get('flip_direction') if results.get('flip') \
        else None
    if direction not in FLIP_DIRECTIONS:
        raise ValueError(f'flip direction {direction!r} cannot be stored; '
                         f'known: {FLIP_DIRECTIONS[1:]}.')
    center = np.asarray(results['bbox_center'])
    scale = np.asarray(results['bbox_scale'])
    if center.shape != (1, 2) or scale.shape != (1, 2):
        raise ValueError(
            'the teacher cache records one box per sample (top-down data), '
            f'got bbox_center of shape {center.shape}.')
    rotation = np.asarray(results.get('bbox_rotation', [0.0]))
    # Bits 0, 1, 2: centre, scale, rotation were float64 (else float32):
    # the crop is computed in their own precision.
    is_float64 = sum(int(value.dtype == np.float64) << bit
                     for bit, value in enumerate((center, scale, rotation)))
    rotation = float(rotation.reshape(-1)[0])
    return (FLIP_DIRECTIONS.index(direction), is_float64,
            center[0].astype(np.float64), scale[0].astype(np.float64),
            rotation)


def apply_view(results: dict, flip_code: int, is_float64: int,
               center: np.ndarray, scale: np.ndarray,
               rotation: float) -> dict:
    """Make ``results`` (after ``GetBBoxCenterScale``) what the recorded
    view's random transforms made it: flip, then the recorded box."""
    from mmpose.datasets.transforms import RandomFlip
    direction = FLIP_DIRECTIONS[int(flip_code)]
    if direction is None:
        results['flip'] = False
        results['flip_direction'] = None
    else:
        results = RandomFlip(prob=1.0, direction=direction).transform(
            results)
    center_dtype = np.float64 if int(is_float64) & 1 else np.float32
    scale_dtype = np.float64 if int(is_float64) & 2 else np.float32
    results['bbox_center'] = np.asarray(center, dtype=center_dtype)[None]
    results['bbox_scale'] = np.asarray(scale, dtype=scale_dtype)[None]
    rotation_dtype = np.float64 if int(is_float64) & 4 else np.float32
    results['bbox_rotation'] = np.array([rotation], dtype=rotation_dtype)
    return results


def draw_view(transforms: Sequence, data_info: dict, seed: int, index: int,
              view: int) -> Tuple[dict, tuple]:
    """Run a built pipeline's ``transforms`` on ``data_info`` as view
    ``view`` of instance ``index``: returns the packed sample and the
    recorded view (:func:`record_view`)."""
    record = None
    results = data_info
    with seeded_global_rng(view_seed(seed, index, view)):
        for transform in transforms:
            if record is None and transform_name(transform) == \
                    CROP_TRANSFORM:
                record = record_view(results)
            results = transform(results)
            if results is None:
                raise ValueError(
                    f'transform {transform_name(transform)} dropped '
                    f'instance {index}; the teacher cache needs every '
                    'instance to give a sample.')
    return results, record
