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
from mmpose_kd.utils.remote_checkpoint import REMOTE_PREFIXES

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
def test_tensor_to_pil_image_scales_floats_like_torchvision():
    heatmap = torch.tensor([[[0.0, 0.5, 1.0], [0.25, -1.0, 2.0]]])
    image = compat.TensorToPILImage()(heatmap)
    assert image.mode == 'L' and image.size == (3, 2)
    # x255 then uint8, clipped to 0..255 (torchvision's byte cast wraps)
    assert np.asarray(image).tolist() == [[0, 127, 255], [63, 0, 255]]
    rgb = compat.TensorToPILImage()(np.zeros((3, 4, 5), np.uint8))
    assert rgb.mode == 'RGB' and rgb.size == (5, 4)
    assert compat.TensorToPILImage()(torch.ones(1, 7)).size == (7, 1)
    with pytest.raises(ValueError, match=r'shape \(2, 4, 5\)'):
        compat.TensorToPILImage()(torch.zeros(2, 4, 5))


def test_simcc_visualizer_draws_without_torchvision():
    # MMPose's own call (test_pose_visualizer::test_simcc_visualization):
    # 1-d x/y maps and the 2-d map over the image, each via ToPILImage.
    from mmengine.structures import PixelData
    from mmpose.visualization import PoseLocalVisualizer
    visualizer = PoseLocalVisualizer(name='compat_simcc_test')
    image = np.zeros((64, 48, 3), np.uint8)
    heatmaps = torch.zeros(17, 64, 48)
    heatmaps[:, 20, 10] = 1.0
    drawn = visualizer._draw_instance_xy_heatmap(
        PixelData(heatmaps=heatmaps), image, 10)
    assert drawn.shape == (64, 48, 3) and drawn.dtype == np.uint8
    assert len(np.unique(drawn.reshape(-1, 3), axis=0)) > 10


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


def test_simcc_shim_loads_mmposes_file_with_pil_conversion(monkeypatch):
    monkeypatch.delitem(sys.modules, SIMCC, raising=False)
    monkeypatch.setattr(compat, 'torchvision_usable', lambda: False)
    before = {m for m in sys.modules if m.startswith('torchvision')}
    assert compat.shim_simcc_visualizer() is True
    module = sys.modules[SIMCC]
    assert module.__file__.endswith(osp.join('visualization', 'simcc_vis.py'))
    assert module.ToPILImage is compat.TensorToPILImage
    # the stand-in torchvision modules existed only while the file ran
    assert {m for m in sys.modules if m.startswith('torchvision')} == before
    drawn = module.SimCCVisualizer().draw_1d_heatmaps(torch.rand(1, 30))
    assert drawn.shape == (15, 30, 3)


# ----------------------------------------------- numpy 2 and draw_circles
def test_pose_visualizer_draws_keypoints_with_opencv_backend():
    # MMPose's test_pose_visualizer::test_add_datasample path: a keypoint
    # circle drawn with the one-element radius array MMPose passes.
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    from mmpose.visualization import PoseLocalVisualizer
    visualizer = PoseLocalVisualizer(
        name='compat_circle_test', radius=3, kpt_color='red')
    visualizer.set_dataset_meta(dict(num_keypoints=1, skeleton_links=[]))
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(
        keypoints=np.array([[[20., 10.]]]),
        keypoint_scores=np.ones((1, 1)))
    drawn = visualizer.add_datasample(
        'x', np.zeros((32, 32, 3), np.uint8), sample, draw_gt=False,
        draw_bbox=False)
    assert drawn[10, 20].tolist() == [255, 0, 0]  # RGB red at (x=20, y=10)
    assert drawn[10, 27].tolist() == [0, 0, 0]  # outside the radius


def test_circle_shim_inactive_when_mmpose_takes_the_array(monkeypatch):
    from mmpose.visualization.opencv_backend_visualizer import \
        OpencvBackendVisualizer

    def draw_circles(self, center, radius, face_colors='none', alpha=1.0):
        int(np.asarray(radius).reshape(-1)[0])  # a fixed MMPose

    monkeypatch.setattr(OpencvBackendVisualizer, 'draw_circles', draw_circles)
    assert compat.shim_numpy2_circle_radius() is False
    assert OpencvBackendVisualizer.draw_circles is draw_circles


def test_circle_shim_wraps_a_failing_method_once(monkeypatch):
    from mmpose.visualization.opencv_backend_visualizer import \
        OpencvBackendVisualizer
    radii = []

    def draw_circles(self, center, radius, face_colors='none', alpha=1.0):
        radii.append(radius)
        int(radius)  # numpy 2 refuses a 1-d array here

    monkeypatch.setattr(OpencvBackendVisualizer, 'draw_circles', draw_circles)
    assert compat.shim_numpy2_circle_radius() is True
    assert compat.shim_numpy2_circle_radius() is False
    patched = OpencvBackendVisualizer.draw_circles
    fake = types.SimpleNamespace(backend='opencv')
    patched(fake, np.zeros(2), np.array([4]))
    patched(fake, np.zeros(2), torch.tensor([5.]))
    assert radii[-2:] == [4, 5.0]
    assert all(not isinstance(r, (np.ndarray, torch.Tensor))
               for r in radii[-2:])


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
    model = MMDistributedDataParallel(
        module=torch.nn.Linear(2, 2), device_ids=[0], output_device=0)
    assert model.device_ids is None
    model(torch.ones(1, 2)).sum().backward()
    assert model.module.weight.grad is not None


def test_set_device_is_a_no_op_only_inside_mmengines_dist_init(
        monkeypatch, tmp_path):
    if torch.cuda.is_available():
        pytest.skip('CUDA present: the CPU DDP shim is not applied')
    from mmengine.dist import utils as mm_dist_utils
    calls = []
    real_set_device = torch.cuda.set_device
    # Everywhere else torch's own set_device runs (and fails without CUDA).
    assert torch.cuda.set_device.__module__.startswith('torch')
    with pytest.raises((AssertionError, AttributeError, RuntimeError)):
        torch.cuda.set_device(0)
    monkeypatch.setattr(
        mm_dist_utils.torch_dist, 'init_process_group',
        lambda **kwargs: calls.append(
            (torch.cuda.set_device(0), kwargs['backend'])))
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    mm_dist_utils.init_dist('pytorch', backend='gloo')
    assert calls == [(None, 'gloo')]  # MMEngine's set_device call passed
    assert torch.cuda.set_device is real_set_device  # restored afterwards


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


@pytest.fixture
def mmengine_loader_restored(monkeypatch):
    """MMEngine's own loader in place, as before ``mmpose_kd`` is imported."""
    schemes = dict(CheckpointLoader._schemes)
    schemes[''] = mm_checkpoint.load_from_local
    monkeypatch.setattr(CheckpointLoader, '_schemes', schemes)


def test_torch_opt_out_does_not_switch_safe_loading_off(
        mmengine_loader_restored, monkeypatch, tmp_path):
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    assert compat.shim_safe_runner_checkpoints() is True
    marker = str(tmp_path / 'pwned')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': WritesAFile(marker)}, path)
    with pytest.raises(CheckpointLoadError,
                       match='MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS=1'):
        _load_checkpoint(path, map_location='cpu')
    assert not osp.exists(marker)


def test_only_the_projects_opt_in_unpickles_fully(monkeypatch, tmp_path):
    marker = str(tmp_path / 'ran')
    path = str(tmp_path / 'trusted.pth')
    torch.save({'state_dict': {}, 'meta': WritesAFile(marker)}, path)
    monkeypatch.setenv('MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS', '1')
    _load_checkpoint(path, map_location='cpu')
    assert osp.exists(marker)  # the opt-in really is full unpickling


def test_checkpoint_shim_inactive_without_weights_only_allow_list(
        mmengine_loader_restored, monkeypatch):
    monkeypatch.delattr(torch.serialization, 'safe_globals')
    assert compat.shim_safe_runner_checkpoints() is False
    assert CheckpointLoader._schemes[''] is mm_checkpoint.load_from_local


def test_checkpoint_shim_applies_once():
    loader = CheckpointLoader._schemes['']
    assert compat.shim_safe_runner_checkpoints() is False
    assert CheckpointLoader._schemes[''] is loader


# -------------------------------------- runner checkpoints by URL/model zoo
#: MMEngine's own loaders of the schemes that download.
MMENGINE_URL_LOADERS = {
    'http://': mm_checkpoint.load_from_http,
    'https://': mm_checkpoint.load_from_http,
    'torchvision://': mm_checkpoint.load_from_torchvision,
    'modelzoo://': mm_checkpoint.load_from_torchvision,
    'open-mmlab://': mm_checkpoint.load_from_openmmlab,
    'openmmlab://': mm_checkpoint.load_from_openmmlab,
    'mmcls://': mm_checkpoint.load_from_mmcls,
}


@pytest.fixture
def mmengine_url_loaders_restored(monkeypatch):
    """MMEngine's downloading loaders in place, as before the import."""
    monkeypatch.setattr(CheckpointLoader, '_schemes',
                        {**CheckpointLoader._schemes, **MMENGINE_URL_LOADERS})


def test_every_downloading_scheme_loads_safely():
    assert sorted(REMOTE_PREFIXES) == sorted(MMENGINE_URL_LOADERS)
    for prefix in REMOTE_PREFIXES:
        loader = CheckpointLoader._get_checkpoint_loader(prefix + 'x.pth')
        assert getattr(loader, '_mmpose_kd_safe', False), prefix


def test_remote_checkpoint_shim_replaces_mmengines_url_loaders(
        mmengine_url_loaders_restored):
    assert not getattr(CheckpointLoader._schemes['https://'],
                       '_mmpose_kd_safe', False)
    assert compat.shim_safe_remote_checkpoints() is True
    for prefix in REMOTE_PREFIXES:
        assert CheckpointLoader._schemes[prefix]._mmpose_kd_safe, prefix


def test_remote_checkpoint_shim_inactive_without_weights_only_allow_list(
        mmengine_url_loaders_restored, monkeypatch):
    monkeypatch.delattr(torch.serialization, 'safe_globals')
    assert compat.shim_safe_remote_checkpoints() is False
    for prefix, loader in MMENGINE_URL_LOADERS.items():
        assert CheckpointLoader._schemes[prefix] is loader


def test_remote_checkpoint_shim_applies_once():
    loaders = dict(CheckpointLoader._schemes)
    assert compat.shim_safe_remote_checkpoints() is False
    assert CheckpointLoader._schemes == loaders
