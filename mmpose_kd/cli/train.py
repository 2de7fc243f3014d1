"""The logic behind ``tools/train.py``: parse flags, build the config, train.

The command line follows MMPose's ``tools/train.py`` (so ``mim train
mmpose_kd`` and ``torch.distributed.launch`` can drive it) with CPU-aware
changes: ``import mmpose_kd`` runs first (the shims and registries), a
distributed launch without CUDA uses the ``gloo`` backend, and ``--amp``
picks MMEngine's ``AmpOptimWrapper`` where CUDA (or NPU/MLU/MUSA) is there
and :class:`~mmpose_kd.engine.CPUAmpOptimWrapper` (bfloat16) on a CPU with
native bfloat16; elsewhere it stops with a clear message, so results never
silently change precision or slow down. ``--channels-last`` adds
:class:`~mmpose_kd.engine.hooks.ChannelsLastHook`.

Checkpoints: ``--resume`` sets ``cfg.resume``/``cfg.load_from`` and adds
:class:`~mmpose_kd.engine.hooks.ResumeValidationHook` (a run stopped between
an epoch's checkpoint and its validation validates that epoch first); loading
goes through MMEngine's normal ``Runner.resume`` path, where
:mod:`mmpose_kd.compat` registers a weights-only-safe local loader. This
module never touches ``torch.load``.
"""
import argparse
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.device import (is_cuda_available, is_mlu_available,
                             is_musa_available, is_npu_available)
from mmengine.runner import Runner

from mmpose_kd.utils.precision import cpu_bf16_supported

from .runner_args import (add_common_args, apply_cfg_options, apply_launcher,
                          apply_work_dir, enable_visualization,
                          export_local_rank)

AMP_WRAPPER = 'AmpOptimWrapper'
CPU_AMP_WRAPPER = 'mmpose_kd.CPUAmpOptimWrapper'
# Wrapper types --amp may replace; a custom wrapper must opt in itself.
PLAIN_WRAPPERS = ('OptimWrapper', AMP_WRAPPER, 'CPUAmpOptimWrapper',
                  CPU_AMP_WRAPPER)
CHANNELS_LAST_HOOK = 'mmpose_kd.ChannelsLastHook'
#: Added by --resume: validates the checkpoint's epoch when the run stopped
#: between saving it and validating it.
RESUME_VALIDATION_HOOK = 'mmpose_kd.ResumeValidationHook'
#: CPUAmpOptimWrapper's own arguments, dropped when --amp picks MMEngine's
#: AmpOptimWrapper (its dtype is float16 there).
CPU_AMP_ONLY_KEYS = ('dtype', 'on_unsupported', 'channels_last')


def amp_device_available() -> bool:
    """Whether MMEngine's ``AmpOptimWrapper`` can be built on this machine."""
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


def amp_wrapper_type() -> str:
    """The optimizer wrapper ``--amp`` uses here; raise ``RuntimeError``
    saying why when there is none."""
    if amp_device_available():
        return AMP_WRAPPER
    if cpu_bf16_supported():
        return CPU_AMP_WRAPPER
    raise RuntimeError(
        '--amp needs a CUDA (or NPU/MLU/MUSA) device, or a CPU with native '
        'bfloat16 (avx512_bf16 or amx_bf16 in /proc/cpuinfo); this machine '
        'has neither, and emulated bfloat16 is slower than float32. Run '
        'without --amp.')


def check_amp_available() -> None:
    """Raise ``RuntimeError`` explaining why ``--amp`` cannot be used here."""
    amp_wrapper_type()


def build_train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Train a pose model or distiller (mmpose_kd).')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from this checkpoint; without a path, resume from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision: float16 AMP on CUDA, bfloat16 on '
        'a CPU with native bfloat16 (AVX512-BF16/AMX)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels-last memory format for the model (student and '
        'teacher) and its inputs (mmpose_kd.ChannelsLastHook)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the real total batch size relative '
        'to the config\'s auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--show-dir',
        help='save validation visualisations into this directory')
    add_common_args(parser)
    return parser


def parse_train_args(
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``tools/train.py`` flags; exit with a usage error on bad ones."""
    parser = build_train_parser()
    args = parser.parse_args(argv)
    if args.amp:
        try:
            check_amp_available()
        except RuntimeError as error:
            parser.error(str(error))
    export_local_rank(args)
    return args


def merge_train_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the parsed flags to ``cfg`` in place and return it.

    ``--cfg-options`` are merged last, so they override the other flags.
    """
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    apply_work_dir(cfg, args.work_dir, args.config)
    if args.amp:
        apply_amp(cfg)
    if getattr(args, 'channels_last', False):
        apply_channels_last(cfg)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
        add_custom_hook(cfg, RESUME_VALIDATION_HOOK)
    if args.auto_scale_lr:
        if not cfg.get('auto_scale_lr', {}).get('base_batch_size'):
            raise ValueError(
                '--auto-scale-lr needs `auto_scale_lr = '
                'dict(base_batch_size=N)` in the config')
        cfg.auto_scale_lr.enable = True
    if args.show_dir is not None:
        enable_visualization(cfg, args.show_dir)
    apply_cfg_options(cfg, args.cfg_options)
    # After --cfg-options: the backend must suit this machine whatever they
    # asked for.
    apply_launcher(cfg, args.launcher)
    return cfg


def apply_amp(cfg: Config) -> None:
    """Switch ``cfg.optim_wrapper`` to this machine's mixed precision."""
    target = amp_wrapper_type()
    wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper_type not in PLAIN_WRAPPERS:
        raise ValueError(
            f'--amp cannot convert optim_wrapper type {wrapper_type!r}; '
            f'use one of {PLAIN_WRAPPERS} or set AMP in the config')
    cfg.optim_wrapper.type = target
    if target == AMP_WRAPPER:
        for key in CPU_AMP_ONLY_KEYS:  # a CPU schedule run on a GPU
            cfg.optim_wrapper.pop(key, None)
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        cfg.optim_wrapper.pop('loss_scale', None)
        cfg.optim_wrapper.dtype = 'bfloat16'


def apply_channels_last(cfg: Config) -> None:
    """Add :class:`ChannelsLastHook` to ``cfg.custom_hooks`` (once)."""
    add_custom_hook(cfg, CHANNELS_LAST_HOOK)


def add_custom_hook(cfg: Config, hook_type: str) -> None:
    """Append ``dict(type=hook_type)`` to ``cfg.custom_hooks`` unless a
    hook of that class (with or without the scope prefix) is there."""
    def class_name(hook) -> str:
        kind = hook.get('type', '')
        return getattr(kind, '__name__', str(kind)).split('.')[-1]

    hooks = list(cfg.get('custom_hooks') or [])
    name = hook_type.split('.')[-1]
    if not any(class_name(hook) == name for hook in hooks):
        hooks.append(dict(type=hook_type))
    cfg.custom_hooks = hooks


def build_train_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and apply the flags to it."""
    return merge_train_args(Config.fromfile(args.config), args)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_train_args(argv)
    cfg = build_train_config(args)
    Runner.from_cfg(cfg).train()
