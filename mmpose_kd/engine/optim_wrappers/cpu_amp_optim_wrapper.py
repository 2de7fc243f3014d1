"""Mixed-precision training on a CPU: MMEngine's AMP contract without CUDA.

MMEngine's ``AmpOptimWrapper`` asserts a CUDA/NPU/MLU/MUSA device, so a CPU
with native bfloat16 (AVX512-BF16, AMX) cannot train in mixed precision
through it. This wrapper keeps its contract: autocast inside
``optim_context``, float32 master weights and optimizer state. bfloat16 has
float32's exponent range, so there is no loss scaler. docs/precision.md has
the measured speed and accuracy.
"""
import contextlib
from typing import Union

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from torch import nn

from mmpose_kd.engine.hooks.channels_last_hook import to_channels_last
from mmpose_kd.registry import OPTIM_WRAPPERS
from mmpose_kd.utils.precision import cpu_bf16_supported, float32_head_losses

#: ``dtype`` values this wrapper trains with (``'float32'``: no autocast,
#: e.g. ``--cfg-options optim_wrapper.dtype=float32`` on a bf16 recipe).
SUPPORTED_DTYPES = ('bfloat16', 'float32')
#: What ``on_unsupported`` may say to do on a CPU without native bfloat16.
ON_UNSUPPORTED = ('raise', 'float32')


def _dtype_name(dtype: Union[str, torch.dtype]) -> str:
    if isinstance(dtype, torch.dtype):
        return str(dtype).replace('torch.', '')
    return dtype


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Train in bfloat16 autocast on a CPU, with float32 master weights.

    Inside :meth:`optim_context` (the model's forward and loss in MMEngine's
    ``train_step``) every op autocast lists (convolutions, linear layers,
    matmuls) runs in bfloat16; every MMPose head returns float32
    predictions and computes its loss in float32; parameters, gradients,
    the optimizer state and checkpoints stay float32, so a checkpoint loads
    in plain MMPose. :class:`~mmpose_kd.models.PoseDistiller` runs its
    distillation losses in float32 and its teacher as ``teacher_dtype``
    says (by default under this autocast).

    Args:
        dtype (str | torch.dtype): ``'bfloat16'``, the only CPU dtype with
            fast kernels that needs no loss scaler, or ``'float32'`` to
            switch mixed precision off (a float32 run of a bf16 recipe,
            e.g. ``--cfg-options optim_wrapper.dtype=float32``). Defaults
            to ``'bfloat16'``.
        on_unsupported (str): Where bfloat16 CPU training cannot run - a
            CPU without native bfloat16 (where it would be emulated, slower
            than float32), or a model on a GPU: ``'raise'`` stops with an
            error, ``'float32'`` trains in float32 and says so in the log
            (what the shipped CPU schedules use, so that they run anywhere).
            Defaults to ``'raise'``.
        channels_last (bool): Also put the model (a distiller's teacher
            included) and its inputs in channels-last memory format at the
            first step, as :class:`~mmpose_kd.engine.hooks.ChannelsLastHook`
            does, so that one config line sets both. Only while bfloat16
            is in use. Defaults to False.
        **kwargs: :class:`mmengine.optim.OptimWrapper`'s arguments
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self,
                 dtype: Union[str, torch.dtype] = 'bfloat16',
                 on_unsupported: str = 'raise',
                 channels_last: bool = False,
                 **kwargs):
        name = _dtype_name(dtype)
        if name not in SUPPORTED_DTYPES:
            hint = (' float16 has no fast CPU kernels here and would need a '
                    'loss scaler; on a GPU use MMEngine\'s AmpOptimWrapper '
                    '(tools/train.py --amp picks it where CUDA is '
                    'available).' if name == 'float16' else '')
            raise ValueError(
                f'`optim_wrapper.dtype`: CPUAmpOptimWrapper trains in '
                f'{SUPPORTED_DTYPES}, got {dtype!r}.{hint}')
        if on_unsupported not in ON_UNSUPPORTED:
            raise ValueError(
                f'`optim_wrapper.on_unsupported` must be one of '
                f'{ON_UNSUPPORTED}, got {on_unsupported!r}.')
        super().__init__(**kwargs)
        self.on_unsupported = on_unsupported
        if not isinstance(channels_last, bool):
            raise TypeError(f'`optim_wrapper.channels_last` must be True or '
                            f'False, got {channels_last!r}.')
        self.channels_last = channels_last
        self.cast_dtype = None if name == 'float32' else getattr(torch, name)
        if self.cast_dtype is not None and not cpu_bf16_supported():
            message = (
                'CPUAmpOptimWrapper: this CPU has no native bfloat16 '
                '(neither avx512_bf16 nor amx_bf16), where bfloat16 is '
                'emulated and slower than float32.')
            if on_unsupported == 'raise':
                raise RuntimeError(
                    f'{message} Train without --amp (optim_wrapper '
                    "type='OptimWrapper'), or set "
                    "`optim_wrapper.on_unsupported='float32'` to fall back "
                    'to float32 with a warning.')
            print_log(f'{message} Training in float32 instead '
                      "(on_unsupported='float32').", logger='current',
                      level=30)
            self.cast_dtype = None
        self._device_checked = False

    def _check_device(self, model: nn.Module) -> None:
        """Refuse (or, with ``on_unsupported='float32'``, leave to float32)
        a model that is not on the CPU, once."""
        self._device_checked = True
        devices = sorted({p.device.type for p in model.parameters()} -
                         {'cpu'})
        if not devices:
            return
        message = (f'CPUAmpOptimWrapper autocasts on the CPU, but the model '
                   f'is on {devices}')
        if self.on_unsupported == 'raise':
            raise RuntimeError(
                f'{message}: use MMEngine\'s AmpOptimWrapper there '
                "(optim_wrapper type='AmpOptimWrapper', or tools/train.py "
                '--amp).')
        print_log(f'{message}; training in float32 there '
                  "(on_unsupported='float32'; tools/train.py --amp picks "
                  "MMEngine's AmpOptimWrapper).", logger='current', level=30)
        self.cast_dtype = None

    @contextlib.contextmanager
    def optim_context(self, model: nn.Module):
        """MMEngine's context (gradient accumulation) plus bfloat16
        autocast, with the model's heads and their losses in float32
        (:func:`~mmpose_kd.utils.precision.float32_head_losses`)."""
        with super().optim_context(model):
            if self.cast_dtype is not None and not self._device_checked:
                self._check_device(model)
                if self.cast_dtype is not None and self.channels_last:
                    to_channels_last(
                        model.module if is_model_wrapper(model) else model)
            if self.cast_dtype is None:
                yield
                return
            with torch.autocast('cpu', dtype=self.cast_dtype), \
                    float32_head_losses(model, 'cpu', self.cast_dtype):
                yield

    def load_state_dict(self, state_dict: dict) -> None:
        """Load the optimizer state; an ``AmpOptimWrapper``'s loss-scaler
        state (a float16 GPU run resumed here) is dropped, saying so."""
        if 'loss_scaler' in state_dict:
            state_dict = dict(state_dict)
            state_dict.pop('loss_scaler')
            print_log('CPUAmpOptimWrapper: the checkpoint\'s loss-scaler '
                      'state is not used (bfloat16 needs no loss scaling).',
                      logger='current')
        super().load_state_dict(state_dict)
