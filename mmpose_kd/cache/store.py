"""The on-disk teacher cache: a manifest and memory-mapped ``.npy`` arrays.

Layout of a cache directory (docs/teacher_cache.md):

- ``manifest.json``: format version, the fingerprint of what the cache was
  built from (:mod:`.fingerprint`), counts and sizes, the soft-argmax
  settings the keypoints were decoded with, the shape and dtype of every
  array, and ``complete`` (False while a build is under way).
- one ``<name>.npy`` per array (:data:`ARRAYS`), indexed by
  ``[dataset index, view]``, opened with ``mmap_mode`` so a training
  process reads only the rows it uses.

Every file is checked when a cache is opened: a missing file raises
``FileNotFoundError`` and a truncated or foreign one
:class:`TeacherCacheFileError`, both naming the file.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np

MANIFEST = 'manifest.json'
FORMAT = 'mmpose_kd-teacher-cache'
FORMAT_VERSION = 1

#: ``name -> (shape in terms of N views K H W, dtype)``: N instances,
#: V views, K keypoints, H x W heatmap. Geometry is float64 so that a value
#: the pipeline produced in float32 or float64 is restored bit for bit.
ARRAYS = {
    'ann_ids': (('N', ), 'int64'),
    'done': (('N', 'V'), 'uint8'),
    'view_flip': (('N', 'V'), 'uint8'),
    'view_float64': (('N', 'V'), 'uint8'),
    'view_center': (('N', 'V', 2), 'float64'),
    'view_scale': (('N', 'V', 2), 'float64'),
    'view_rotation': (('N', 'V'), 'float64'),
    'keypoints': (('N', 'V', 'K', 2), 'float32'),
    'scores': (('N', 'V', 'K'), 'float32'),
}
#: Stored only when the cache is built with heatmaps.
HEATMAP_ARRAY = ('heatmaps', (('N', 'V', 'K', 'H', 'W'), 'float16'))


class TeacherCacheFileError(ValueError):
    """A cache file is truncated, unreadable or not what the manifest says;
    the message names the file."""


def array_specs(num_instances: int, num_views: int, num_keypoints: int,
                heatmap_size: Tuple[int, int],
                heatmaps: bool) -> Dict[str, dict]:
    """Shapes and dtypes of a cache's arrays (``heatmap_size`` is (W, H))."""
    sizes = dict(N=num_instances, V=num_views, K=num_keypoints,
                 W=heatmap_size[0], H=heatmap_size[1])
    specs = dict(ARRAYS)
    if heatmaps:
        specs[HEATMAP_ARRAY[0]] = HEATMAP_ARRAY[1]
    return {name: dict(shape=[sizes[d] if isinstance(d, str) else d
                              for d in dims], dtype=dtype)
            for name, (dims, dtype) in specs.items()}


def write_manifest(root: str, manifest: dict) -> None:
    """Write ``manifest.json`` atomically (a crash leaves the old one)."""
    path = osp.join(root, MANIFEST)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_manifest(root: str) -> dict:
    """The manifest of the cache at ``root``; errors name the file."""
    path = osp.join(root, MANIFEST)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'teacher cache {root!r}: {path!r} does not exist. Build the '
            'cache first: python tools/build_teacher_cache.py CONFIG '
            f'--views K --out {root}')
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        raise TeacherCacheFileError(
            f'teacher cache manifest {path!r} cannot be read: '
            f'{error}') from error
    if manifest.get('format') != FORMAT or \
            manifest.get('version') != FORMAT_VERSION:
        raise TeacherCacheFileError(
            f'{path!r} is not a version-{FORMAT_VERSION} mmpose_kd teacher '
            f'cache manifest (format {manifest.get("format")!r}, version '
            f'{manifest.get("version")!r}).')
    return manifest


class TeacherCache:
    """An opened cache: its manifest and its arrays (memory-mapped).

    Use :meth:`open` to read an existing cache and :meth:`create` to start
    one. Arrays are ``self.arrays[name]``, shaped as in the manifest.
    """

    def __init__(self, root: str, manifest: dict,
                 arrays: Dict[str, np.ndarray]):
        self.root = root
        self.manifest = manifest
        self.arrays = arrays

    @property
    def cache_id(self) -> str:
        """Digest of the fingerprint and view settings: one per cache."""
        return self.manifest['cache_id']

    @property
    def num_views(self) -> int:
        return self.manifest['num_views']

    @property
    def num_instances(self) -> int:
        return self.manifest['num_instances']

    @property
    def has_heatmaps(self) -> bool:
        return HEATMAP_ARRAY[0] in self.arrays

    @classmethod
    def create(cls, root: str, manifest: dict) -> 'TeacherCache':
        """Create the arrays of ``manifest['arrays']`` (zero-filled) and
        write the manifest with ``complete=False``."""
        os.makedirs(root, exist_ok=True)
        arrays = {}
        for name, spec in manifest['arrays'].items():
            arrays[name] = np.lib.format.open_memmap(
                osp.join(root, f'{name}.npy'), mode='w+',
                dtype=np.dtype(spec['dtype']), shape=tuple(spec['shape']))
        manifest = dict(manifest, complete=False)
        cache = cls(root, manifest, arrays)
        cache.flush()
        write_manifest(root, manifest)
        return cache

    @classmethod
    def open(cls, root: str, writable: bool = False,
             require_complete: bool = True) -> 'TeacherCache':
        """Open the cache at ``root``, checking every file against the
        manifest. ``require_complete`` refuses a build that did not end."""
        manifest = read_manifest(root)
        if require_complete and not manifest.get('complete'):
            done = _open_array(root, 'done', manifest['arrays']['done'],
                               'r')
            raise TeacherCacheFileError(
                f'teacher cache {root!r} is incomplete: {int(done.sum())} '
                f'of {done.size} views built. Continue the build with '
                'python tools/build_teacher_cache.py CONFIG --views '
                f'{manifest["num_views"]} --out {root} --resume')
        mode = 'r+' if writable else 'r'
        arrays = {name: _open_array(root, name, spec, mode)
                  for name, spec in manifest['arrays'].items()}
        return cls(root, manifest, arrays)

    def flush(self, names: Optional[Tuple[str, ...]] = None) -> None:
        """Write the memory-mapped arrays (``names``, default all) to disk."""
        for name in names or tuple(self.arrays):
            flush = getattr(self.arrays[name], 'flush', None)
            if flush is not None:
                flush()

    def mark_complete(self) -> None:
        self.flush()
        self.manifest = dict(self.manifest, complete=True)
        write_manifest(self.root, self.manifest)

    def size_bytes(self) -> int:
        """Bytes the cache's files take on disk (manifest included)."""
        names = [MANIFEST] + [f'{n}.npy' for n in self.manifest['arrays']]
        return sum(osp.getsize(osp.join(self.root, n)) for n in names)


def _open_array(root: str, name: str, spec: dict, mode: str) -> np.ndarray:
    path = osp.join(root, f'{name}.npy')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'teacher cache {root!r}: array file {path!r} is missing; '
            'rebuild the cache (python tools/build_teacher_cache.py).')
    try:
        array = np.load(path, mmap_mode=mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise TeacherCacheFileError(
            f'teacher cache file {path!r} is truncated or not a .npy '
            f'array ({error}); rebuild the cache.') from error
    if list(array.shape) != list(spec['shape']) or \
            array.dtype != np.dtype(spec['dtype']):
        raise TeacherCacheFileError(
            f'teacher cache file {path!r} holds a {array.dtype} array of '
            f'shape {list(array.shape)}, the manifest says {spec["dtype"]} '
            f'{list(spec["shape"])}; rebuild the cache.')
    return array
