"""Mixed precision helpers: what bfloat16 training on a CPU needs.

Pure functions and context managers, no registry: whether this CPU computes
bfloat16 natively, float32 copies of (nested) outputs, and the two rules the
project keeps under autocast (docs/precision.md): heads compute their
forward in reduced precision but hand float32 predictions to their losses,
and losses run in float32.
"""
import contextlib
import functools
from typing import Iterator, Optional

import torch
from torch import Tensor, nn

#: ``/proc/cpuinfo`` flags of x86 CPUs with bfloat16 arithmetic
#: (AVX512-BF16 dot products; AMX tiles).
CPU_BF16_FLAGS = ('avx512_bf16', 'amx_bf16')


def _cpuinfo_flags() -> set:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_bf16_supported() -> bool:
    """Whether this CPU has native bfloat16 arithmetic for oneDNN.

    Without it, bfloat16 convolutions are emulated and run slower than
    float32, so bf16 training would cost time instead of saving it.
    """
    if not torch.backends.mkldnn.is_available():
        return False
    probe = getattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', None)
    if probe is not None:
        try:
            return bool(probe())
        except RuntimeError:
            pass
    return bool(_cpuinfo_flags() & set(CPU_BF16_FLAGS))


def as_float32(value):
    """Float32, contiguous copies of the floating tensors in ``value``
    (a tensor, or tuples/lists/dicts of them); anything else unchanged.
    Gradients flow through the copy."""
    if isinstance(value, Tensor):
        if value.is_floating_point():
            return value.float().contiguous()
        return value
    if isinstance(value, (tuple, list)):
        return type(value)(as_float32(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, as_float32(v)) for k, v in value.items())
    return value


def autocast_dtype(device_type: str) -> Optional[torch.dtype]:
    """The autocast dtype in effect on ``device_type``; None when off."""
    if not torch.is_autocast_enabled(device_type):
        return None
    return torch.get_autocast_dtype(device_type)


@contextlib.contextmanager
def float32_region(device_type: str = 'cpu') -> Iterator[None]:
    """Run the block in float32 even inside an autocast region."""
    with torch.autocast(device_type, enabled=False):
        yield


def _reduced_forward(forward, device_type, dtype):
    @functools.wraps(forward)
    def wrapped(*args, **kwargs):
        with torch.autocast(device_type, dtype=dtype):
            return as_float32(forward(*args, **kwargs))
    return wrapped


def _float32_loss(loss, device_type):
    @functools.wraps(loss)
    def wrapped(*args, **kwargs):
        with float32_region(device_type):
            return loss(*args, **kwargs)
    return wrapped


@contextlib.contextmanager
def float32_head_losses(model: nn.Module, device_type: str,
                        dtype: torch.dtype) -> Iterator[None]:
    """Inside this block, every MMPose head of ``model`` computes its
    forward under ``dtype`` autocast and returns float32 predictions, and
    its ``loss`` (the criterion, the accuracy it logs through numpy, which
    has no bfloat16) runs in float32.

    MMPose heads call ``self.forward(feats)`` inside ``loss()``, so forward
    hooks cannot do this: the two methods are wrapped on the instances for
    the block and restored afterwards.
    """
    from mmpose.models.heads.base_head import BaseHead
    patched = []
    for module in model.modules():
        if not isinstance(module, BaseHead):
            continue
        for name, wrap in (('forward', lambda f: _reduced_forward(
                f, device_type, dtype)), ('loss', lambda f: _float32_loss(
                    f, device_type))):
            had_own = name in module.__dict__
            original = getattr(module, name)
            patched.append((module, name, had_own, original))
            setattr(module, name, wrap(original))
    try:
        yield
    finally:
        for module, name, had_own, original in reversed(patched):
            if had_own:
                setattr(module, name, original)
            else:
                delattr(module, name)
