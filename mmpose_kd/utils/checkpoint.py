"""Checkpoint loading that never runs code from the file by default.

PyTorch >= 2.6 loads with ``weights_only=True``, which rejects MMEngine runner
checkpoints because they hold numpy arrays/scalars and message-hub objects. Rather
than turning the restriction off (which lets a crafted file execute code), we
allow exactly the plain-data classes those checkpoints contain. Full
unpickling happens only when the caller opts in with ``allow_unsafe=True``.
"""
import os
import pickle
from typing import Dict, List, NamedTuple, Optional

import numpy as np
import torch

from mmengine.logging import HistoryBuffer


def _numpy_globals() -> List:
    names = []
    multiarray = getattr(np, '_core', None) or np.core
    names.append(multiarray.multiarray._reconstruct)
    names.append(getattr(multiarray.multiarray, 'scalar'))
    names.extend([np.ndarray, np.dtype])
    for dtype_cls in vars(np.dtypes).values():
        if isinstance(dtype_cls, type) and issubclass(dtype_cls, np.dtype):
            names.append(dtype_cls)
    return names


#: Attribute names a message-hub ``HistoryBuffer`` pickles via ``getattr``
#: (its built-in statistics; custom ones are registered at run time).
_HISTORY_BUFFER_METHODS = frozenset(('min', 'max', 'current', 'mean'))


def _history_buffer_getattr(obj, name):
    """A ``getattr`` that only resolves HistoryBuffer statistics methods.

    Pickled message hubs reference ``getattr(HistoryBuffer, 'mean')``; the
    real ``getattr`` cannot be allowed (it reaches anything), so this
    stand-in is registered under its name instead.
    """
    known = _HISTORY_BUFFER_METHODS | set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in known:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) while loading a checkpoint.')


def safe_globals() -> List:
    """The classes a runner checkpoint may contain that are plain data."""
    return _numpy_globals() + [
        HistoryBuffer, bytes, (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr')
    ]


#: This project's opt-in to full unpickling of the checkpoints MMEngine's
#: runner loads (``load_from``, ``--resume``, ``tools/test.py``). torch's
#: own ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` does not switch safety off.
UNSAFE_CHECKPOINTS_ENV = 'MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS'


def unsafe_checkpoints_allowed() -> bool:
    """Whether ``MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS`` is set to 1/true/yes."""
    return os.environ.get(UNSAFE_CHECKPOINTS_ENV, '').strip().lower() in (
        '1', 'true', 'yes')


class CheckpointLoadError(RuntimeError):
    """A checkpoint could not be read; the message names the file."""


#: First bytes of files that are sometimes given where a checkpoint
#: belongs, and what they are.
_OTHER_KINDS = ((b'\xff\xd8\xff', 'a JPEG image'),
                (b'\x89PNG', 'a PNG image'),
                (b'{', 'JSON or other text'), (b'[', 'JSON or other text'),
                (b'#', 'text, e.g. a Python config'),
                (b'_base_', 'text, e.g. a Python config'),
                (b'\x93NUMPY', 'a NumPy array (.npy)'))


def not_a_torch_file(path: str) -> str:
    """What ``path`` is, when its first bytes show that it is no file
    ``torch.save`` wrote (a zip archive, or a pickle in the legacy format);
    ``''`` when it may be one."""
    with open(path, 'rb') as f:
        head = f.read(8)
    if not head:
        return 'the file is empty'
    if head.startswith(b'PK') or head.startswith(b'\x80'):
        return ''
    for magic, kind in _OTHER_KINDS:
        if head.startswith(magic):
            return f'it looks like {kind}'
    return f'it starts with {head!r}, not a zip archive or pickle'


def safe_load_checkpoint(path: str,
                         map_location='cpu',
                         allow_unsafe: bool = False,
                         field: str = 'checkpoint') -> dict:
    """Load ``path`` without executing code from it (unless ``allow_unsafe``).

    A URL or model-zoo name (``https://``, ``torchvision://``,
    ``open-mmlab://``, ...) is first fetched into torch's hub cache by
    :func:`mmpose_kd.utils.remote_checkpoint.fetch_checkpoint` (once; hash
    in the name checked), then loaded like a local file.

    Args:
        path (str): Local checkpoint file, URL or model-zoo name.
        map_location: Passed to :func:`torch.load`.
        allow_unsafe (bool): Full unpickling; only for files you trust.
        field (str): Config field the path came from, used in errors.
    """
    # Imported here: that module's error class subclasses this module's.
    from .remote_checkpoint import fetch_checkpoint, is_remote_checkpoint
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f'`{field}` must be a file path or URL, got '
                        f'{path!r}.')
    shown = repr(str(path))
    if is_remote_checkpoint(path):
        url, path = path, fetch_checkpoint(path, field=field)
        shown = f'{url!r} (local copy {path!r})'
    if not os.path.isfile(path):
        raise FileNotFoundError(f'`{field}`: checkpoint file {shown} '
                                'does not exist.')
    other_kind = not_a_torch_file(path)
    if other_kind:
        # torch would blame weights_only and suggest switching it off
        raise CheckpointLoadError(
            f'`{field}`: {shown} is not a PyTorch checkpoint ({other_kind}); '
            'point it at a file written by torch.save, e.g. a .pth.')
    try:
        if allow_unsafe:
            return torch.load(path, map_location=map_location,
                              weights_only=False)
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(path, map_location=map_location,
                              weights_only=True)
    except Exception as error:  # noqa: BLE001 - re-raised with the file name
        hint = ''
        if 'weights_only' in str(error) or 'Unsupported global' in str(error):
            hint = (' It holds objects outside the safe allow-list; if you '
                    'trust this file, pass allow_unsafe=True (for a teacher: '
                    '`teacher_ckpt_allow_unsafe=True`; for the runner\'s '
                    'load_from/resume and init_cfg checkpoints: '
                    f'{UNSAFE_CHECKPOINTS_ENV}=1).')
        raise CheckpointLoadError(
            f'`{field}`: cannot read checkpoint {shown}: '
            f'{type(error).__name__}: {error}.{hint}') from error


#: Where a distiller's state dict keeps its student's weights.
STUDENT_PREFIX = 'student.'


def is_distiller_state_dict(state_dict: Dict) -> bool:
    """Whether ``state_dict`` is a distiller's (its student under
    :data:`STUDENT_PREFIX`)."""
    return any(k.startswith(STUDENT_PREFIX) for k in state_dict)


def extract_state_dict(checkpoint, prefix: Optional[str] = None) -> Dict:
    """Take the state dict out of a checkpoint, optionally under ``prefix``."""
    state_dict = checkpoint
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        state_dict = checkpoint['state_dict']
    if not isinstance(state_dict, dict):
        raise CheckpointLoadError(
            f'checkpoint holds a {type(state_dict).__name__}, not a state '
            'dict.')
    state_dict = {(k[7:] if k.startswith('module.') else k): v
                  for k, v in state_dict.items()}
    if prefix:
        prefix = prefix.rstrip('.') + '.'
        if any(k.startswith(prefix) for k in state_dict):
            state_dict = {k[len(prefix):]: v for k, v in state_dict.items()
                          if k.startswith(prefix)}
    return state_dict


class StateDictFit(NamedTuple):
    """How a state dict's keys line up with a model's (``data_preprocessor``
    buffers ignored)."""
    missing: List[str]
    unexpected: List[str]
    mismatched: List[str]  # 'key (file shape) vs (model shape)'
    total: int

    @property
    def matched(self) -> int:
        return self.total - len(self.missing) - len(self.mismatched)

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)


def state_dict_fit(model: torch.nn.Module, state_dict: Dict) -> StateDictFit:
    """Compare ``state_dict`` with ``model.state_dict()`` key by key."""
    own = model.state_dict()
    own_keys = [k for k in own if not k.startswith('data_preprocessor.')]
    return StateDictFit(
        missing=[k for k in own_keys if k not in state_dict],
        unexpected=[
            k for k in state_dict
            if k not in own and not k.startswith('data_preprocessor.')
        ],
        mismatched=[
            f'{k} {tuple(state_dict[k].shape)} vs {tuple(own[k].shape)}'
            for k in own_keys if k in state_dict
            and tuple(state_dict[k].shape) != tuple(own[k].shape)
        ],
        total=len(own_keys))


def check_state_dict_fit(model: torch.nn.Module,
                         state_dict: Dict,
                         path: str,
                         field: str,
                         min_match: Optional[float] = None) -> StateDictFit:
    """Raise a ValueError naming ``path`` unless ``state_dict`` fits ``model``.

    Args:
        model (nn.Module): The model the weights are meant for.
        state_dict (dict): The weights (keys as in ``model.state_dict()``).
        path (str): The checkpoint file, named in the error.
        field (str): The config field or flag the file came from.
        min_match (float, optional): ``None`` (strict): every key of the
            model present with its shape and no extra keys. A fraction
            tolerates that share of the model's keys found with the right
            shape (extra keys allowed), but never a shape mismatch.

    Returns:
        StateDictFit: The comparison, when it passes.
    """
    fit = state_dict_fit(model, state_dict)
    if min_match is None:
        refused = not fit.exact
    else:
        refused = (not fit.total or fit.matched / fit.total < min_match
                   or bool(fit.mismatched))
    if refused:
        def show(keys):
            return ', '.join(keys[:8]) + (' ...' if len(keys) > 8 else '')
        raise ValueError(
            f'`{field}`: checkpoint {str(path)!r} does not fit the model '
            f'({fit.matched}/{fit.total} keys match). missing: '
            f'[{show(fit.missing)}]; unexpected: [{show(fit.unexpected)}]; '
            f'shape mismatch: [{show(fit.mismatched)}].')
    return fit


def converted_for(model: torch.nn.Module, state_dict: Dict) -> Dict:
    """``state_dict`` with the key conversions ``model`` applies on load.

    MMPose models rename older checkpoints' keys in load-state-dict
    pre-hooks (MMPose 0.x's ``keypoint_head.*`` becomes ``head.*``, old
    heatmap-head layers are renumbered). Those hooks run inside
    ``load_state_dict``, after any key filtering a caller does, so they are
    run here first, parent before children as ``load_state_dict`` does, on
    a copy. A state dict in the current layout comes back unchanged.
    """
    converted = dict(state_dict)
    for prefix, module in model.named_modules():
        prefix = f'{prefix}.' if prefix else ''
        for hook in module._load_state_dict_pre_hooks.values():
            hook(converted, prefix, {}, True, [], [], [])
    return converted


def load_state_dict_checked(model: torch.nn.Module,
                            state_dict: Dict,
                            path: str,
                            field: str,
                            min_match: float = 0.9) -> None:
    """Load ``state_dict`` into ``model``, refusing a poor key match.

    Keys are first converted as the model's own loading would convert them
    (:func:`converted_for`: MMPose 0.x checkpoints). Raises a ValueError
    naming the file and listing missing/unexpected keys when fewer than
    ``min_match`` of the model's keys are found with the right shape (see
    :func:`check_state_dict_fit`), so a checkpoint of the wrong model is
    never half-loaded in silence.
    """
    state_dict = converted_for(model, state_dict)
    check_state_dict_fit(model, state_dict, path, field, min_match)
    own = model.state_dict()
    model.load_state_dict(
        {k: v for k, v in state_dict.items() if k in own}, strict=False)
