"""Each shim in :mod:`mmpose_kd.compat` does what it says, only when needed.

Where this machine has the real dependency (full mmcv, a working torchvision,
CUDA), the "active" tests skip and the guard tests still show the shim stays
out of the way; the guards are exercised by faking the dependency's presence.
"""
import importlib.machinery
import importlib.util
import os.path as osp
import sys
import types

import numpy as np
import pytest
import torch
import torch.distributed as dist
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.runner import checkpoint as mm_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from mmpose_kd import compat
from mmpose_kd.utils import CheckpointLoadError

SIMCC = 'mmpose.visualization.simcc_vis'


# ---------------------------------------------------------------- mmcv._ext
def test_missing_op_module_names_the_op_and_the_reason():
    module = compat._missing_op_module('fake._ext', 'no compiled ops here')
    assert module.__spec__.name == 'fake._ext'
    assert not hasattr(module, '__file__')  # dunders are not faked
    with pytest.raises(RuntimeError,
                       match='op "roi_align" is not available: no compiled'):
        module.roi_align(torch.zeros(1))


def test_mmcv_ops_fail_only_when_called():
    ext = sys.modules['mmcv._ext']
    if not getattr(ext, 'MMPOSE_KD_STANDIN', False):
        pytest.skip('real mmcv ops are installed; no stand-in in use')
    from mmcv.ops import nms  # importing works with the stand-in
    with pytest.raises(RuntimeError, match='mmcv op "nms" is not available'):
        nms(torch.rand(3, 4), torch.rand(3), 0.5)


def test_mmcv_ext_shim_inactive_when_module_already_loaded(monkeypatch):
    real = types.ModuleType('mmcv._ext')
    monkeypatch.setitem(sys.modules, 'mmcv._ext', real)
    assert compat.shim_mmcv_ext() is False
    assert sys.modules['mmcv._ext'] is real


def test_mmcv_ext_shim_inactive_when_real_ops_are_importable(monkeypatch):
    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *args:
        (importlib.machinery.ModuleSpec(name, None)
         if name == 'mmcv._ext' else find_spec(name, *args)))
    assert compat.shim_mmcv_ext() is False
    assert 'mmcv._ext' not in sys.modules


def test_mmcv_ext_shim_installs_stand_in_when_ops_missing(monkeypatch):
    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *args:
        (None if name == 'mmcv._ext' else find_spec(name, *args)))
    assert compat.shim_mmcv_ext() is True
    assert sys.modules['mmcv._ext'].MMPOSE_KD_STANDIN is True


# ------------------------------------------------------- SimCCVisualizer
def test_simcc_visualizer_stand_in_raises_clear_error():
    if getattr(sys.modules[SIMCC], '__file__', None):
        pytest.skip('torchvision works here; the real visualizer is used')
    # PoseLocalVisualizer (built by every Runner) imports the stand-in.
    from mmpose.visualization.local_visualizer import SimCCVisualizer
    with pytest.raises(RuntimeError,
                       match='SimCCVisualizer needs torchvision'):
        SimCCVisualizer()


def test_simcc_shim_inactive_when_module_already_loaded(monkeypatch):
    real = types.ModuleType(SIMCC)
    monkeypatch.setitem(sys.modules, SIMCC, real)
    assert compat.shim_simcc_visualizer() is False
    assert sys.modules[SIMCC] is real


def test_simcc_shim_inactive_when_torchvision_usable(monkeypatch):
    monkeypatch.delitem(sys.modules, SIMCC, raising=False)
    monkeypatch.setattr(compat, 'torchvision_usable', lambda: True)
    assert compat.shim_simcc_visualizer() is False
    assert SIMCC not in sys.modules


def test_simcc_shim_installs_stand_in_without_torchvision(monkeypatch):
    monkeypatch.delitem(sys.modules, SIMCC, raising=False)
    monkeypatch.setattr(compat, 'torchvision_usable', lambda: False)
    assert compat.shim_simcc_visualizer() is True
    with pytest.raises(RuntimeError, match='needs torchvision'):
        sys.modules[SIMCC].SimCCVisualizer()


def test_torchvision_usable_clears_a_broken_import(monkeypatch):
    for name in [m for m in sys.modules if m.startswith('torchvision')]:
        monkeypatch.setitem(sys.modules, name, sys.modules[name])  # restore
    monkeypatch.setitem(sys.modules, 'torchvision', None)  # import fails
    assert compat.torchvision_usable() is False
    assert not [m for m in sys.modules if m.startswith('torchvision')]


# ----------------------------------------------------- CPU distributed (DDP)
@pytest.fixture
def single_gloo_process(tmp_path):
    dist.init_process_group(
        'gloo',
        init_method=f'file://{tmp_path / "store"}',
        rank=0,
        world_size=1)
    yield
    dist.destroy_process_group()


def test_cpu_ddp_patch_drops_cuda_device_ids(single_gloo_process):
    if torch.cuda.is_available():
        pytest.skip('CUDA present: the CPU DDP shim is not applied')
    # Plain DDP rejects CUDA device ids for a CPU module ...
    with pytest.raises(ValueError, match='device_ids'):
        torch.nn.parallel.DistributedDataParallel(
            torch.nn.Linear(2, 2), device_ids=[0], output_device=0)
    # ... which MMEngine always passes; the patched wrapper drops them.
    torch.cuda.set_device(0)  # MMEngine's init_dist call: a no-op now
    model = MMDistributedDataParallel(
        module=torch.nn.Linear(2, 2), device_ids=[0], output_device=0)
    assert model.device_ids is None
    model(torch.ones(1, 2)).sum().backward()
    assert model.module.weight.grad is not None


def test_cpu_ddp_shim_inactive_with_cuda(monkeypatch):
    init = MMDistributedDataParallel.__init__
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert compat.shim_cpu_distributed() is False
    assert MMDistributedDataParallel.__init__ is init


def test_cpu_ddp_shim_applies_once():
    if torch.cuda.is_available():
        pytest.skip('CUDA present: the CPU DDP shim is not applied')
    init = MMDistributedDataParallel.__init__
    assert MMDistributedDataParallel._mmpose_kd_cpu is True
    assert compat.shim_cpu_distributed() is False  # already patched
    assert MMDistributedDataParallel.__init__ is init


# ------------------------------------------------ runner checkpoint loading
def runner_like_checkpoint():
    hub = MessageHub('compat_test')
    hub.update_scalar('train/loss', 0.5)
    return {
        'meta': {'epoch': 1, 'seed': np.array([1, 2], dtype=np.int64)},
        'state_dict': {'w': torch.ones(2)},
        'message_hub': hub.state_dict(),
    }


class WritesAFile:
    """A pickle that, if unpickled in full, would create ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_runner_loads_its_own_checkpoints_safely(tmp_path):
    if not compat._torch_loads_weights_only_by_default():
        pytest.skip('torch.load is not weights-only here; shim not needed')
    loader = CheckpointLoader._get_checkpoint_loader(str(tmp_path / 'a.pth'))
    assert getattr(loader, '_mmpose_kd_safe', False)
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(runner_like_checkpoint(), path)
    loaded = _load_checkpoint(path, map_location='cpu')
    assert loaded['meta']['seed'].tolist() == [1, 2]
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.current() == 0.5


def test_runner_checkpoint_loading_never_runs_code(tmp_path):
    marker = str(tmp_path / 'pwned')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': WritesAFile(marker)}, path)
    with pytest.raises((CheckpointLoadError, RuntimeError)):
        _load_checkpoint(path, map_location='cpu')
    assert not osp.exists(marker)


def test_checkpoint_shim_inactive_when_torch_is_not_weights_only(monkeypatch):
    schemes = dict(CheckpointLoader._schemes)
    schemes[''] = mm_checkpoint.load_from_local
    monkeypatch.setattr(CheckpointLoader, '_schemes', schemes)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    assert compat.shim_safe_runner_checkpoints() is False
    assert CheckpointLoader._schemes[''] is mm_checkpoint.load_from_local


def test_checkpoint_shim_applies_once():
    if not compat._torch_loads_weights_only_by_default():
        pytest.skip('torch.load is not weights-only here; shim not needed')
    loader = CheckpointLoader._schemes['']
    assert compat.shim_safe_runner_checkpoints() is False
    assert CheckpointLoader._schemes[''] is loader
