"""Checkpoints named by URL: fetched once into torch's hub cache, checked.

``http(s)://`` URLs and MMEngine's model-zoo names (``torchvision://``,
``open-mmlab://``, ``mmcls://`` and their aliases, mapped to URLs by
MMEngine's own tables) become a file under ``torch.hub.get_dir()/checkpoints``
(so ``TORCH_HOME`` decides where), downloaded once with a progress bar and
reused afterwards. A SHA-256 prefix in the file name (torch hub's
``name-<hex>.pth``, OpenMMLab's ``name-<hex>_<YYYYMMDD>.pth``) must match the
content; a short or broken transfer is retried once. This module only fetches
bytes and never unpickles: :func:`mmpose_kd.utils.checkpoint.
safe_load_checkpoint` loads the file like any local one.
"""
import hashlib
import http.client
import os
import os.path as osp
import re
import sys
import urllib.error
import urllib.request
import uuid
from typing import Callable, Dict, Optional
from urllib.parse import urlparse

import mmengine
import torch
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from mmengine.runner import checkpoint as mm_checkpoint
from tqdm import tqdm

from .checkpoint import CheckpointLoadError
from .file_hash import file_sha256
from .validation import nearest_names

URL_PREFIXES = ('http://', 'https://')

#: MMEngine's scheme for MMClassification backbones; its checkpoints are
#: re-keyed by MMEngine after loading (see ``mmpose_kd.compat``).
MMCLS_PREFIX = 'mmcls://'

#: Tries per download: a truncated or failed transfer is retried once.
DOWNLOAD_ATTEMPTS = 2

#: Seconds a connection may stay silent before the attempt fails.
DOWNLOAD_TIMEOUT_S = 60

_CHUNK_BYTES = 1 << 20

#: A SHA-256 prefix (eight hex digits or more) at the end of a file name:
#: ``name-<hex>.ext`` (torch hub) or ``name-<hex>_<YYYYMMDD>.ext`` (MMPose).
HASH_IN_NAME = re.compile(r'-([a-f0-9]{8,64})(?:_\d{8})?\.')

#: ``-20231122.pth`` is a date (MMPose's RTMW files), not a hash.
_DATE = re.compile(r'(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])')


class RemoteCheckpointError(CheckpointLoadError):
    """A checkpoint named by URL could not be fetched, or failed its hash."""


def _torchvision_urls() -> Dict[str, str]:
    """MMEngine's torchvision table; without a working torchvision (absent,
    or a build that does not match torch), MMEngine's own file of the
    torchvision 0.12 names (``resnet50`` and the like)."""
    try:
        return mm_checkpoint.get_torchvision_models()
    except (ImportError, RuntimeError):
        return mmengine.load(
            osp.join(mmengine.__path__[0], 'hub', 'torchvision_0.12.json'))


#: MMEngine's model-zoo schemes, each with the MMEngine table of its names.
MODEL_ZOO_TABLES: Dict[str, Callable[[], Dict[str, str]]] = {
    'torchvision://': _torchvision_urls,
    'modelzoo://': _torchvision_urls,  # MMEngine's deprecated alias
    'open-mmlab://': lambda: mm_checkpoint.get_external_models(),
    'openmmlab://': lambda: mm_checkpoint.get_external_models(),
    MMCLS_PREFIX: lambda: mm_checkpoint.get_mmcls_models(),
}

#: Every name this module fetches (MMEngine's ``CheckpointLoader`` schemes
#: that download).
REMOTE_PREFIXES = URL_PREFIXES + tuple(MODEL_ZOO_TABLES)


def is_remote_checkpoint(name) -> bool:
    """Whether ``name`` is a URL or a model-zoo name, not a local path."""
    return isinstance(name, str) and name.startswith(REMOTE_PREFIXES)


def checkpoint_url(name: str, field: str = 'checkpoint') -> str:
    """The URL of a URL or model-zoo ``name``, looked up in MMEngine's tables.

    An ``open-mmlab://`` name that MMEngine maps to a relative path gives
    that file under MMEngine's home directory, as MMEngine does.
    """
    if name.startswith(URL_PREFIXES):
        return name
    prefix = next(p for p in MODEL_ZOO_TABLES if name.startswith(p))
    model = name[len(prefix):]
    table = MODEL_ZOO_TABLES[prefix]()
    if prefix in ('open-mmlab://', 'openmmlab://'):
        renamed = mm_checkpoint.get_deprecated_model_names().get(model)
        if renamed:
            print_log(f'{name} is deprecated in favor of {prefix}{renamed}',
                      logger='current', level=30)
            model = renamed
    if model not in table:
        near = nearest_names(model, table, n=3, cutoff=0.6)
        raise RemoteCheckpointError(
            f'`{field}`: {name!r} is not in MMEngine\'s {prefix} table'
            + (f'; nearest: {", ".join(prefix + n for n in near)}.'
               if near else '.'))
    url = table[model]
    if url.startswith(URL_PREFIXES):
        return url
    return osp.join(mm_checkpoint._get_mmengine_home(), url)


def hash_prefix_in_name(file_name: str) -> Optional[str]:
    """The SHA-256 prefix a checkpoint's file name promises, if any."""
    matches = list(HASH_IN_NAME.finditer(file_name))
    if not matches or _DATE.fullmatch(matches[-1].group(1)):
        return None
    return matches[-1].group(1)


def fetch_checkpoint(name: str, field: str = 'checkpoint',
                     progress: Optional[bool] = None) -> str:
    """The local file of a URL or model-zoo ``name``, downloaded if needed.

    In a distributed run, rank 0 downloads first and the other ranks then
    find the cached file (as MMEngine's loader does): call it on every rank.

    Args:
        name (str): ``http(s)://`` URL or a :data:`MODEL_ZOO_TABLES` name.
        field (str): Config field the name came from, used in errors.
        progress (bool, optional): Show a progress bar; by default when
            stderr is a terminal.

    Raises:
        RemoteCheckpointError: Unknown model-zoo name; unreachable host or
            HTTP error; a transfer that fails twice; a file whose content
            does not match the hash in its name.
    """
    url = checkpoint_url(name, field)
    if not url.startswith(URL_PREFIXES):
        return url
    rank, world_size = get_dist_info()
    if world_size == 1:
        return cached_download(url, field, progress)
    if rank == 0:
        path = cached_download(url, field, progress)
    torch.distributed.barrier()
    if rank > 0:
        path = cached_download(url, field, progress)
    return path


def cached_download(url: str, field: str = 'checkpoint',
                    progress: Optional[bool] = None) -> str:
    """``url``'s file in the torch hub cache, downloaded unless it is there.

    A cached file whose name promises a hash is checked too, and fetched
    again when it does not match (an interrupted or foreign copy).
    """
    file_name = osp.basename(urlparse(url).path)
    if not file_name:
        raise RemoteCheckpointError(
            f'`{field}`: {url!r} names no file (it ends in "/").')
    cache_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    cached = osp.join(cache_dir, file_name)
    expected = hash_prefix_in_name(file_name)
    if osp.isfile(cached):
        if expected is None or file_sha256(cached).startswith(expected):
            return cached
        print_log(f'{cached} does not match the SHA-256 prefix {expected} '
                  'in its name; downloading it again.', logger='current',
                  level=30)
        os.remove(cached)
    os.makedirs(cache_dir, exist_ok=True)
    print_log(f'Downloading {url} to {cached}', logger='current')
    partial = f'{cached}.{uuid.uuid4().hex}.partial'
    try:
        digest = _download_with_retry(url, partial, field, progress)
        if expected is not None and not digest.startswith(expected):
            raise RemoteCheckpointError(
                f'`{field}`: checkpoint {url!r} does not match the SHA-256 '
                f'prefix in its name: expected {expected}, got {digest}. '
                'The download was deleted, not cached.')
        os.replace(partial, cached)
    finally:
        if osp.exists(partial):
            os.remove(partial)
    return cached


def _download_with_retry(url, dst, field, progress) -> str:
    """Download ``url`` to ``dst``; return its SHA-256. HTTP 4xx answers
    are final; any other failure is retried once."""
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            return _download(url, dst, progress)
        except (OSError, http.client.HTTPException) as error:
            client_error = (isinstance(error, urllib.error.HTTPError)
                            and 400 <= error.code < 500)
            if client_error or attempt == DOWNLOAD_ATTEMPTS:
                raise RemoteCheckpointError(
                    f'`{field}`: cannot download checkpoint {url!r} '
                    f'({attempt} attempt(s)): {_describe(error)}. Download '
                    'it yourself and pass the local path instead.'
                ) from error
            print_log(f'Download of {url} failed ({_describe(error)}); '
                      'retrying once.', logger='current', level=30)


def _download(url: str, dst: str, progress: Optional[bool]) -> str:
    """One transfer of ``url`` into ``dst``, checked against the announced
    length (urllib accepts a body that ends early); returns its SHA-256."""
    if progress is None:
        progress = sys.stderr.isatty()
    sha, received = hashlib.sha256(), 0
    request = urllib.request.Request(url,
                                     headers={'User-Agent': 'mmpose_kd'})
    answer = urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S)
    with answer, open(dst, 'wb') as file:
        length = answer.headers.get('Content-Length')
        total = int(length) if length else None
        with tqdm(total=total, disable=not progress, unit='B',
                  unit_scale=True, unit_divisor=1024) as bar:
            for block in iter(lambda: answer.read(_CHUNK_BYTES), b''):
                file.write(block)
                sha.update(block)
                received += len(block)
                bar.update(len(block))
    if total is not None and received != total:
        raise ConnectionError(
            f'the transfer ended after {received} of {total} bytes')
    return sha.hexdigest()


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f'HTTP {error.code} {error.reason}'
    if isinstance(error, urllib.error.URLError):
        return f'{error.reason}'
    return f'{type(error).__name__}: {error}'
