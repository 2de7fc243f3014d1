"""Write one split of the synthetic COCO keypoint set, safely and reproducibly.

Layout under ``out_dir`` (several splits share one root)::

    images/<split>/000000000001.jpg ...
    annotations/person_keypoints_<split>.json
    annotations/synthetic_coco_<split>_meta.json   (generation parameters)

Every image comes from its own random stream, derived from ``(seed, split,
image index)``, so the same arguments give byte-identical files. A split is
rendered into a hidden temporary folder inside ``out_dir`` and moved into place
by renames; the annotation file is moved last, so its presence means the split
is complete. A per-split file lock serialises concurrent writers (e.g. DDP
ranks), and a crashed attempt leaves nothing the next call cannot clean up.
Data that this module did not write is never deleted.
"""
import contextlib
import glob
import json
import logging
import os
import os.path as osp
import shutil
import tempfile
import zlib
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from .coco_format import (ann_file_for, bbox_polygon, image_dir_for,
                          meta_file_for, person_category)
from .scene import render_scene

try:  # POSIX only; without it concurrent writers rely on the renames alone.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

logger = logging.getLogger(__name__)

# Bump when a code change alters the generated files for the same arguments,
# so stale data is reported instead of silently reused.
GENERATOR_VERSION = 2
DEFAULT_NUM_IMAGES = {'train': 400, 'val': 100}
DEFAULT_NUM_IMAGES_OTHER = 100
_TMP_PREFIX = '.tmp_synthetic_coco_'


class SyntheticDataMismatchError(ValueError):
    """An existing dataset folder does not match the requested parameters."""


def _is_int(value, low: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, bool) and value >= low


def _normalised_params(split, num_images, seed, image_size, max_people,
                       person_scale, occlusion, clutter, min_keypoints,
                       jpeg_quality) -> Dict:
    """Validate the arguments; return them in their JSON-comparable form."""
    if num_images is None:
        num_images = DEFAULT_NUM_IMAGES.get(split, DEFAULT_NUM_IMAGES_OTHER)
    checks = dict(
        split=(split, lambda v: isinstance(v, str) and v.isidentifier()),
        num_images=(num_images, lambda v: _is_int(v, 1)),
        seed=(seed, lambda v: _is_int(v, 0)),
        image_size=(image_size, lambda v: len(v) == 2 and all(
            _is_int(x, 32) for x in v)),
        max_people=(max_people, lambda v: _is_int(v, 1)),
        person_scale=(person_scale,
                      lambda v: len(v) == 2 and 0 < v[0] <= v[1] <= 0.5),
        occlusion=(occlusion, lambda v: 0 <= v <= 1),
        clutter=(clutter, lambda v: 0 <= v <= 10),
        min_keypoints=(min_keypoints, lambda v: _is_int(v, 1) and v <= 17),
        jpeg_quality=(jpeg_quality, lambda v: _is_int(v, 1) and v <= 100))
    for name, (value, is_valid) in checks.items():
        try:
            ok = bool(is_valid(value))
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(
                f'generate_synthetic_coco: invalid `{name}` {value!r}.')
    return dict(
        generator_version=GENERATOR_VERSION,
        split=split,
        num_images=int(num_images),
        seed=int(seed),
        image_size=[int(v) for v in image_size],
        max_people=int(max_people),
        person_scale=[float(v) for v in person_scale],
        occlusion=float(occlusion),
        clutter=float(clutter),
        min_keypoints=int(min_keypoints),
        jpeg_quality=int(jpeg_quality))


def _image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    split_key = zlib.crc32(split.encode('utf-8'))
    return np.random.default_rng(
        np.random.SeedSequence(entropy=seed, spawn_key=(split_key, index)))


def _write_json(path: str, obj) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, separators=(',', ':'), sort_keys=True)


def _render_split(tmp_dir: str, params: Dict) -> int:
    """Render all images and the COCO json into ``tmp_dir``; return #people."""
    split = params['split']
    img_dir = osp.join(tmp_dir, image_dir_for(split))
    os.makedirs(img_dir)
    os.makedirs(osp.join(tmp_dir, 'annotations'))
    width, height = params['image_size']
    images, annotations = [], []
    for index in range(params['num_images']):
        image, people = render_scene(
            _image_rng(params['seed'], split, index), (width, height),
            params['max_people'], tuple(params['person_scale']),
            params['occlusion'], params['clutter'], params['min_keypoints'])
        image_id = index + 1
        file_name = f'{image_id:012d}.jpg'
        ok, buffer = cv2.imencode(
            '.jpg', image,
            [cv2.IMWRITE_JPEG_QUALITY, params['jpeg_quality'],
             cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
             cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])  # keep thin colours
        if not ok:  # pragma: no cover
            raise RuntimeError(f'cv2.imencode failed for {file_name}')
        with open(osp.join(img_dir, file_name), 'wb') as f:
            f.write(buffer.tobytes())
        images.append(dict(id=image_id, file_name=file_name, width=width,
                           height=height))
        for person in people:
            annotations.append(dict(
                person, id=len(annotations) + 1, image_id=image_id,
                category_id=1, iscrowd=0,
                segmentation=bbox_polygon(person['bbox'])))
    coco = dict(
        info=dict(description='mmpose_kd synthetic COCO person keypoints',
                  generator_params=params),
        licenses=[], images=images, annotations=annotations,
        categories=[person_category()])
    _write_json(osp.join(tmp_dir, ann_file_for(split)), coco)
    _write_json(osp.join(tmp_dir, meta_file_for(split)),
                dict(generator='mmpose_kd.datasets.synthetic',
                     params=params, num_annotations=len(annotations)))
    return len(annotations)


def _path(root: str, relative: str) -> str:
    return osp.normpath(osp.join(root, relative))


@contextlib.contextmanager
def _split_lock(out_dir: str, split: str):
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(osp.join(out_dir, f'.synthetic_coco_{split}.lock'), 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _check_existing(out_dir: str, params: Dict) -> bool:
    """True if the split is complete and matches; raise if it conflicts.

    Removes the leftovers of an interrupted commit (recognised by our meta
    file) so the caller can regenerate.
    """
    split = params['split']
    ann, meta, img_dir = (_path(out_dir, p) for p in (
        ann_file_for(split), meta_file_for(split), image_dir_for(split)))
    if not osp.exists(meta):
        for path in (ann, img_dir):
            if osp.exists(path) and (osp.isfile(path) or os.listdir(path)):
                raise SyntheticDataMismatchError(
                    f'{path} exists in {out_dir!r} but was not written by the '
                    f'synthetic generator (no {meta_file_for(split)}). '
                    'Refusing to touch it: choose another data_root or '
                    'remove it.')
        return False
    if not osp.exists(ann):  # interrupted commit: everything here is ours
        shutil.rmtree(img_dir, ignore_errors=True)
        os.remove(meta)
        return False
    with open(meta, encoding='utf-8') as f:
        old = json.load(f).get('params', {})
    diff = [k for k in sorted(set(old) | set(params))
            if old.get(k) != params.get(k)]
    if diff:
        details = ', '.join(f'{k}={old.get(k)!r} on disk vs {params.get(k)!r}'
                            f' requested' for k in diff)
        raise SyntheticDataMismatchError(
            f'Synthetic COCO split {split!r} in {out_dir!r} was generated '
            f'with different parameters: {details}. Delete {out_dir!r} (or '
            'that split) to regenerate, or use another data_root.')
    return True


def generate_synthetic_coco(out_dir: str,
                            split: str = 'train',
                            num_images: Optional[int] = None,
                            seed: int = 0,
                            image_size: Sequence[int] = (192, 192),
                            max_people: int = 4,
                            person_scale: Tuple[float, float] = (0.10, 0.24),
                            occlusion: float = 0.5,
                            clutter: float = 1.0,
                            min_keypoints: int = 5,
                            jpeg_quality: int = 95) -> Dict:
    """Make sure ``out_dir`` holds the synthetic split; generate it if absent.

    Args:
        out_dir: Dataset root, shared by all splits.
        split: Split name; also enters the random streams, so ``train`` and
            ``val`` differ for the same ``seed``.
        num_images: Number of images; None means 400 for ``train``, 100 else.
        seed: Base random seed.
        image_size: (W, H) of every image.
        max_people: Each image has 1 to ``max_people`` figures.
        person_scale: Range of the torso length, fraction of min(W, H).
        occlusion: Probability that a figure gets an occluder drawn over it.
        clutter: Multiplier of background distractors and noise (0 = clean).
        min_keypoints: Minimum labelled keypoints inside the image per figure.
        jpeg_quality: JPEG quality of the images.

    Returns:
        dict with ``ann_file``, ``img_dir`` and ``meta_file`` (absolute
        paths), ``params`` and ``generated`` (False if it already existed).

    Raises:
        SyntheticDataMismatchError: ``out_dir`` already holds this split made
            with other parameters, or files not written by this generator.
    """
    params = _normalised_params(split, num_images, seed, image_size,
                                max_people, person_scale, occlusion, clutter,
                                min_keypoints, jpeg_quality)
    out_dir = osp.abspath(out_dir)
    result = dict(
        ann_file=_path(out_dir, ann_file_for(split)),
        img_dir=_path(out_dir, image_dir_for(split)),
        meta_file=_path(out_dir, meta_file_for(split)),
        params=params,
        generated=False)
    os.makedirs(out_dir, exist_ok=True)
    with _split_lock(out_dir, split):
        if _check_existing(out_dir, params):
            return result
        # Holding the lock, no live writer owns a temp folder of this split.
        for stale in glob.glob(osp.join(out_dir, f'{_TMP_PREFIX}{split}_*')):
            shutil.rmtree(stale, ignore_errors=True)
        tmp_dir = tempfile.mkdtemp(prefix=f'{_TMP_PREFIX}{split}_',
                                   dir=out_dir)
        try:
            num_people = _render_split(tmp_dir, params)
            os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
            os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
            if osp.isdir(result['img_dir']):  # empty, checked above
                os.rmdir(result['img_dir'])
            # Meta first, annotation last: see _check_existing.
            os.replace(_path(tmp_dir, meta_file_for(split)),
                       result['meta_file'])
            os.rename(_path(tmp_dir, image_dir_for(split)),
                      result['img_dir'])
            os.replace(_path(tmp_dir, ann_file_for(split)),
                       result['ann_file'])
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    logger.info('Generated synthetic COCO split %r in %s: %d images, %d '
                'people.', split, out_dir, params['num_images'], num_people)
    result['generated'] = True
    return result
