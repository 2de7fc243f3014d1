"""The default teacher that ships with the checkout, made and checked here.

A heatmap teacher strong enough to be worth distilling from takes longer to
train than the main job may take on 2 CPU cores, so the repository ships its
weights: ``checkpoints/quickstart_teacher_fp16.pth`` (the teacher's state dict
in float16, nothing else) and beside it ``quickstart_teacher_fp16.json``, a
manifest with the file's SHA-256, the config it was trained from and the
command that rebuilds it. :func:`pack_teacher` writes both from a runner
checkpoint; :func:`verified_teacher` refuses a file whose hash differs from
the manifest, naming the file and the rebuild command.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, Optional

import torch

from mmpose_kd.utils.checkpoint import extract_state_dict, safe_load_checkpoint

SHIPPED_TEACHER = 'checkpoints/quickstart_teacher_fp16.pth'
REBUILD_COMMAND = 'python tools/quickstart.py --train-teacher'


class ShippedTeacherError(RuntimeError):
    """The shipped teacher file is missing, altered or not described."""


def manifest_path(weights_path: str) -> str:
    """The manifest beside ``weights_path`` (``.pth`` -> ``.json``)."""
    return osp.splitext(weights_path)[0] + '.json'


def sha256_of(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def pack_teacher(runner_checkpoint: str, out_path: str, config: str,
                 info: Optional[Dict] = None) -> Dict:
    """Write the float16 state dict of ``runner_checkpoint`` and its manifest.

    Args:
        runner_checkpoint: A checkpoint written by MMEngine's runner (or a
            plain state dict); loaded weights-only.
        out_path: Where the float16 weights go (``.pth``); the manifest is
            written to :func:`manifest_path` of it.
        config: The config the teacher was trained with (recorded).
        info: Extra facts to record (training time, metrics, machine).

    Returns:
        The manifest written.
    """
    checkpoint = safe_load_checkpoint(runner_checkpoint,
                                      field='runner_checkpoint')
    state_dict = {
        key: (value.half() if value.is_floating_point() else value)
        for key, value in extract_state_dict(checkpoint).items()
    }
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    tmp_path = out_path + '.tmp'
    torch.save(dict(state_dict=state_dict), tmp_path)
    os.replace(tmp_path, out_path)
    manifest = dict(
        weights=osp.basename(out_path),
        sha256=sha256_of(out_path),
        bytes=osp.getsize(out_path),
        config=config,
        rebuild=REBUILD_COMMAND,
        **(info or {}))
    with open(manifest_path(out_path), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    return manifest


def verified_teacher(weights_path: str) -> str:
    """Return ``weights_path`` once its SHA-256 matches its manifest.

    Raises:
        ShippedTeacherError: the file or its manifest is missing, or the hash
            differs (a truncated download, a Git LFS pointer, a file replaced
            by hand); the message names the file and the rebuild command.
    """
    rebuild = f'Rebuild it with `{REBUILD_COMMAND}`.'
    manifest_file = manifest_path(weights_path)
    for path in (weights_path, manifest_file):
        if not osp.isfile(path):
            raise ShippedTeacherError(
                f'shipped teacher: {path!r} is missing. {rebuild}')
    with open(manifest_file) as f:
        expected = json.load(f).get('sha256')
    actual = sha256_of(weights_path)
    if actual != expected:
        raise ShippedTeacherError(
            f'shipped teacher: {weights_path!r} has SHA-256 {actual}, but '
            f'{manifest_file!r} records {expected}: the file is not the one '
            f'that was shipped. {rebuild}')
    return weights_path
