"""Guarded shims that let the OpenMMLab pose stack run on a CPU-only machine.

Each shim checks first whether the real dependency works and does nothing if it
does, so on a GPU machine with full ``mmcv`` and ``torchvision`` this module is a
no-op. ``apply_all()`` is called once when :mod:`mmpose_kd` is imported.

* ``mmcv._ext``: ``mmcv-lite`` ships no compiled ops, yet importing
  ``mmpose.models`` imports ``mmcv.ops``. A stand-in module is installed whose
  functions raise a clear error when an op is actually called.
* ``torchvision``: only ``mmpose.visualization.simcc_vis`` needs it, but that
  file is imported while building a Runner. A stand-in is installed when
  torchvision cannot be imported (it may fail with a RuntimeError, not only
  ImportError, when its build does not match torch).
* CPU distributed training: MMEngine calls ``torch.cuda.set_device`` and gives
  DDP CUDA ``device_ids``; both are neutralised when CUDA is absent.

* Runner checkpoints on torch >= 2.6: ``torch.load`` defaults to
  ``weights_only=True`` and rejects the numpy and message-hub objects MMEngine
  saves, so resume and ``load_from`` fail. MMEngine's local-file loader is
  replaced by :func:`mmpose_kd.utils.checkpoint.safe_load_checkpoint`, which
  allows exactly those plain-data classes and still never runs code from the
  file. ``torch.load``'s own default is left unchanged.
"""
import importlib
import os
import importlib.machinery
import importlib.util
import sys
import types

import torch

_APPLIED = set()


def _missing_op_module(name: str, reason: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    module.MMPOSE_KD_STANDIN = True

    def __getattr__(attr):
        if attr.startswith('__'):
            raise AttributeError(attr)

        def unavailable(*args, **kwargs):
            raise RuntimeError(
                f'mmcv op "{attr}" is not available: {reason}. Install full '
                'mmcv with compiled ops to use models that need it.')

        unavailable.__name__ = attr
        return unavailable

    module.__getattr__ = __getattr__
    return module


def shim_mmcv_ext() -> bool:
    """Install a stand-in ``mmcv._ext`` when mmcv has no compiled ops."""
    if 'mmcv._ext' in sys.modules:
        return False
    try:
        if importlib.util.find_spec('mmcv._ext') is not None:
            return False
    except (ImportError, ValueError):
        pass
    sys.modules['mmcv._ext'] = _missing_op_module(
        'mmcv._ext', 'this mmcv (mmcv-lite) has no compiled ops')
    _APPLIED.add('mmcv._ext')
    return True


def torchvision_usable() -> bool:
    try:
        import torchvision  # noqa: F401
        from torchvision.transforms import ToPILImage  # noqa: F401
        return True
    except Exception:  # RuntimeError when the torchvision build mismatches
        for name in [m for m in sys.modules if m.startswith('torchvision')]:
            del sys.modules[name]
        return False


def shim_simcc_visualizer() -> bool:
    """Stand in for ``mmpose.visualization.simcc_vis`` without torchvision."""
    name = 'mmpose.visualization.simcc_vis'
    if name in sys.modules or torchvision_usable():
        return False
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)

    class SimCCVisualizer:
        """Placeholder: SimCC visualisation needs a working torchvision."""

        def __init__(self, *args, **kwargs):
            raise RuntimeError(
                'SimCCVisualizer needs torchvision, which cannot be imported '
                'beside this torch build.')

    module.SimCCVisualizer = SimCCVisualizer
    sys.modules[name] = module
    _APPLIED.add(name)
    return True


def shim_cpu_distributed() -> bool:
    """Make MMEngine's DDP set-up work with the gloo backend on CPU."""
    if torch.cuda.is_available():
        return False
    from mmengine.model.wrappers import distributed as mm_ddp

    if getattr(mm_ddp.MMDistributedDataParallel, '_mmpose_kd_cpu', False):
        return False
    original_init = mm_ddp.MMDistributedDataParallel.__init__

    def cpu_init(self, module, *args, **kwargs):
        kwargs.pop('device_ids', None)
        kwargs.pop('output_device', None)
        original_init(self, module, *args, **kwargs)

    mm_ddp.MMDistributedDataParallel.__init__ = cpu_init
    mm_ddp.MMDistributedDataParallel._mmpose_kd_cpu = True
    # Without CUDA set_device can only fail; MMEngine calls it unconditionally.
    torch.cuda.set_device = lambda device: None
    _APPLIED.add('cpu_distributed')
    return True


def shim_safe_runner_checkpoints() -> bool:
    """Let MMEngine read its own checkpoints under weights-only loading."""
    from mmengine.runner.checkpoint import CheckpointLoader
    loader = CheckpointLoader._schemes.get('')
    if getattr(loader, '_mmpose_kd_safe', False):
        return False
    if not _torch_loads_weights_only_by_default():
        return False
    from mmpose_kd.utils.checkpoint import safe_load_checkpoint

    def load_from_local_safely(filename, map_location):
        return safe_load_checkpoint(
            os.path.expanduser(filename), map_location=map_location)

    load_from_local_safely._mmpose_kd_safe = True
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)
    _APPLIED.add('safe_runner_checkpoints')
    return True


def _torch_loads_weights_only_by_default() -> bool:
    import inspect
    default = inspect.signature(torch.load).parameters['weights_only'].default
    if default is None:  # torch >= 2.6 decides at call time: True
        return os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '0') in (
            '0', '')
    return bool(default)


def apply_all() -> set:
    """Apply every shim that is needed here; return the names applied."""
    shim_mmcv_ext()
    shim_simcc_visualizer()
    shim_cpu_distributed()
    shim_safe_runner_checkpoints()
    return set(_APPLIED)
