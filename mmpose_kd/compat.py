"""Every patch mmpose_kd applies to its dependencies, listed and guarded.

This is the one place where importing :mod:`mmpose_kd` changes another
package: ``apply_all()`` runs once at import and applies each shim below
whose guard finds it needed; each returns False (and changes nothing) where
its guard says the real dependency works or the patch is already in. The
first four make the OpenMMLab pose stack run on a CPU-only machine and do
nothing on a GPU machine with full ``mmcv``, ``torchvision`` and numpy 1; the
last five apply wherever their guard holds, GPU machines included.
Over 300 lines on purpose: one listed place, and tests load this file by
path, without the package, to run stock MMPose on this CPU stack.

* ``mmcv._ext``: ``mmcv-lite`` ships no compiled ops, yet importing
  ``mmpose.models`` imports ``mmcv.ops``. A stand-in module is installed whose
  functions raise a clear error when an op is actually called.
* ``torchvision``: only ``mmpose.visualization.simcc_vis`` needs it, for
  ``ToPILImage``. Where torchvision cannot be imported (it may fail with a
  RuntimeError, not only ImportError, when its build does not match torch),
  MMPose's own file is loaded with a numpy/PIL ``ToPILImage`` instead.
* numpy 2 and MMPose's OpenCV visualizer: ``int()`` of the one-element radius
  array ``PoseLocalVisualizer`` passes to ``draw_circles`` fails; the radius
  is made a scalar first. Applied only when a probe call of MMPose's method
  fails that way.
* CPU distributed training: MMEngine gives DDP CUDA ``device_ids`` (dropped)
  and calls ``torch.cuda.set_device`` while it sets up the process group.
  Only during MMEngine's own set-up functions (``_init_dist_pytorch``,
  ``_init_dist_mpi``, ``_init_dist_slurm``) is ``torch.cuda.set_device`` a
  no-op; everywhere else it is torch's. Applied only when CUDA is absent.
* Runner checkpoints: MMEngine's local-file loader is replaced by
  :func:`mmpose_kd.utils.checkpoint.safe_load_checkpoint`, weights-only with
  an allow-list of the numpy and message-hub classes MMEngine saves, so
  resume and ``load_from`` work under torch >= 2.6 and never run code from the
  file, even with ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``. Full unpickling
  needs ``MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS=1``. ``torch.load``'s own default
  is left unchanged. Applied wherever torch has weights-only allow-lists
  (``torch.serialization.safe_globals``, torch >= 2.5), GPU or not.
* Checkpoints by URL (``shim_safe_remote_checkpoints``): MMEngine's
  ``http(s)://``, ``torchvision://``, ``open-mmlab://`` and ``mmcls://``
  loaders (and their aliases ``modelzoo://``, ``openmmlab://``) call
  ``torch.hub.load_state_dict_from_url``, which unpickles in full. They are
  replaced by one loader that downloads through
  :mod:`mmpose_kd.utils.remote_checkpoint` (torch hub cache, hash in the
  name checked, one retry) and reads the file with ``safe_load_checkpoint``,
  same allow-list and opt-in as above. Same guard as above.
* Annotation files (``shim_annotation_file_errors``): MMPose's COCO-style
  datasets' ``_load_annotations`` is wrapped so that a missing or unreadable
  annotation file raises an error naming the dataset and the file
  (:mod:`mmpose_kd.datasets.annotation_file_errors`); successful loads are
  untouched. Applied on every machine, once.
* Sample lists (``shim_sample_list_errors``): MMPose's COCO-style and MPII
  datasets check, once their sample list is loaded, that it is not empty
  (``ValueError`` naming the annotation file) and that the first sample's
  image exists (``FileNotFoundError`` naming it, ``data_root`` and
  ``data_prefix.img``) (:mod:`mmpose_kd.datasets.sample_list_errors`),
  instead of failing inside MMEngine, at the first batch or at the first
  validation. Applied on every machine, once.
* Runner config checks (``shim_runner_config_checks``): ``Runner.__init__``
  first checks the config parts MMEngine and MMPose read without a check
  (:mod:`mmpose_kd.engine.runner_config`: ``train_cfg`` epochs, loader
  settings, dataset paths and pipelines, codec sizes and ``sigma``, a
  top-down model's ``test_cfg`` keys), naming the field; once the model
  is built, each pose model in it runs once on a zero image of its
  codec's input size (:mod:`mmpose_kd.models.forward_check`), so parts
  that do not fit are named before training. Valid configs are untouched.
  Applied on every machine, once.
"""
import functools
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import types

import numpy as np
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


class TensorToPILImage:
    """The part of torchvision's ``ToPILImage`` that MMPose's SimCC drawing
    uses, done with numpy and PIL.

    Takes a ``(C, H, W)`` or ``(H, W)`` tensor or array; float values are
    read as ``[0, 1]`` intensities and scaled to 0..255 (clipped, where
    torchvision's byte cast wraps around); 1, 3 or 4 channels give an
    ``L``, ``RGB`` or ``RGBA`` image.
    """

    def __call__(self, pic):
        from PIL import Image
        if isinstance(pic, torch.Tensor):
            pic = pic.detach().cpu().numpy()
        array = np.asarray(pic)
        if array.ndim == 2:
            array = array[None]
        if array.ndim != 3 or array.shape[0] not in (1, 3, 4):
            raise ValueError('expected a (C, H, W) image with 1, 3 or 4 '
                             f'channels, got shape {array.shape}.')
        if np.issubdtype(array.dtype, np.floating):
            array = np.clip(array * 255, 0, 255)
        array = np.ascontiguousarray(array.astype(np.uint8).transpose(1, 2, 0))
        return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)


def _mmpose_file(relative_path: str) -> str:
    """Path of a file inside the installed mmpose, without importing it."""
    spec = importlib.util.find_spec('mmpose')
    return os.path.join(spec.submodule_search_locations[0], relative_path)


def shim_simcc_visualizer() -> bool:
    """Load ``mmpose.visualization.simcc_vis`` without torchvision.

    MMPose's own file is executed unchanged; only its one torchvision import
    (``ToPILImage``) is answered by :class:`TensorToPILImage`, through
    stand-in ``torchvision`` modules present only while the file runs.
    """
    name = 'mmpose.visualization.simcc_vis'
    if name in sys.modules or torchvision_usable():
        return False
    spec = importlib.util.spec_from_file_location(
        name, _mmpose_file(os.path.join('visualization', 'simcc_vis.py')))
    module = importlib.util.module_from_spec(spec)
    transforms = types.ModuleType('torchvision.transforms')
    transforms.ToPILImage = TensorToPILImage
    package = types.ModuleType('torchvision')
    package.transforms = transforms
    saved = {k: sys.modules.get(k)
             for k in ('torchvision', 'torchvision.transforms')}
    sys.modules.update({'torchvision': package,
                        'torchvision.transforms': transforms})
    try:
        spec.loader.exec_module(module)
    finally:
        for key, previous in saved.items():
            if previous is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = previous
    module.MMPOSE_KD_PIL_TO_IMAGE = True
    sys.modules[name] = module
    _APPLIED.add(name)
    return True


def _draw_circles_rejects_array_radius(draw_circles) -> bool:
    """Whether MMPose's OpenCV ``draw_circles`` fails on the one-element
    radius array its pose drawing passes (``int()`` of it, numpy >= 2)."""
    probe = types.SimpleNamespace(
        backend='opencv', _image=np.zeros((4, 4, 3), np.uint8))
    try:
        draw_circles(probe, np.array([1., 1.]), np.array([1]),
                     face_colors=(0, 0, 0), alpha=1.0)
    except TypeError:
        return True
    return False


def shim_numpy2_circle_radius() -> bool:
    """Give MMPose's OpenCV visualizer a scalar radius under numpy 2.

    ``PoseLocalVisualizer`` calls ``draw_circles(kpt,
    radius=np.array([r]))`` and the OpenCV backend does ``int(radius)``,
    which numpy 2 refuses for a 1-d array. A one-element radius becomes its
    scalar before MMPose's method runs; nothing else changes.
    """
    from mmpose.visualization.opencv_backend_visualizer import \
        OpencvBackendVisualizer as Visualizer
    original = Visualizer.draw_circles
    if getattr(original, '_mmpose_kd_scalar_radius', False):
        return False
    if not _draw_circles_rejects_array_radius(original):
        return False

    @functools.wraps(original)
    def draw_circles(self, center, radius, *args, **kwargs):
        size = (radius.numel() if isinstance(radius, torch.Tensor) else
                np.size(radius))
        if self.backend == 'opencv' and np.ndim(radius) > 0 and size == 1:
            radius = radius.reshape(-1)[0].item()
        return original(self, center, radius, *args, **kwargs)

    draw_circles._mmpose_kd_scalar_radius = True
    Visualizer.draw_circles = draw_circles
    _APPLIED.add('numpy2_circle_radius')
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
    from mmengine.dist import utils as mm_dist_utils
    for launcher_init in _MMENGINE_DIST_INITS:
        setattr(mm_dist_utils, launcher_init,
                _without_cuda_set_device(
                    getattr(mm_dist_utils, launcher_init)))
    _APPLIED.add('cpu_distributed')
    return True


#: MMEngine's per-launcher process-group set-ups, each of which calls
#: ``torch.cuda.set_device(local_rank)`` unconditionally.
_MMENGINE_DIST_INITS = ('_init_dist_pytorch', '_init_dist_mpi',
                        '_init_dist_slurm')


def _without_cuda_set_device(init_fn):
    """``init_fn`` with ``torch.cuda.set_device`` a no-op while it runs."""

    @functools.wraps(init_fn)
    def init_without_cuda(*args, **kwargs):
        set_device = torch.cuda.set_device
        torch.cuda.set_device = _skip_set_device
        try:
            return init_fn(*args, **kwargs)
        finally:
            torch.cuda.set_device = set_device

    return init_without_cuda


def _skip_set_device(device) -> None:
    """Without CUDA there is no device to select."""


#: What a runner-side load names in its errors: MMEngine's loaders do not
#: know which config field the checkpoint came from.
RUNNER_CHECKPOINT_FIELD = 'load_from / resume / init_cfg checkpoint'


def _safe_loader_needed(checkpoint_loader, prefix: str) -> bool:
    """Whether MMEngine's loader of ``prefix`` is still to be replaced: it is
    not ours yet, and torch has weights-only allow-lists
    (``torch.serialization.safe_globals``, torch >= 2.5)."""
    loader = checkpoint_loader._schemes.get(prefix)
    return (not getattr(loader, '_mmpose_kd_safe', False)
            and hasattr(torch.serialization, 'safe_globals'))


def shim_safe_runner_checkpoints() -> bool:
    """Read MMEngine's local checkpoints weights-only, whatever torch's
    default or ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` say.

    Inactive only where torch has no allow-list for weights-only loading
    (``torch.serialization.safe_globals``, torch < 2.5). Full unpickling
    needs this project's own opt-in,
    ``MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS=1``, read at each load.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    if not _safe_loader_needed(CheckpointLoader, ''):
        return False
    from mmpose_kd.utils.checkpoint import (safe_load_checkpoint,
                                            unsafe_checkpoints_allowed)

    def load_from_local_safely(filename, map_location):
        return safe_load_checkpoint(
            os.path.expanduser(filename),
            map_location=map_location,
            allow_unsafe=unsafe_checkpoints_allowed(),
            field=RUNNER_CHECKPOINT_FIELD)

    load_from_local_safely._mmpose_kd_safe = True
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)
    _APPLIED.add('safe_runner_checkpoints')
    return True


def shim_safe_remote_checkpoints() -> bool:
    """Fetch MMEngine's URL and model-zoo checkpoints with a checked
    download and read them weights-only, like local ones.

    MMEngine's ``http(s)://``, ``torchvision://``/``modelzoo://``,
    ``open-mmlab://``/``openmmlab://`` and ``mmcls://`` loaders go through
    ``torch.hub.load_state_dict_from_url``, which unpickles in full. Guarded
    like :func:`shim_safe_runner_checkpoints`; the same opt-in applies.
    """
    from mmengine.runner.checkpoint import (CheckpointLoader,
                                            _process_mmcls_checkpoint)
    if not _safe_loader_needed(CheckpointLoader, 'https://'):
        return False
    from mmpose_kd.utils.checkpoint import (safe_load_checkpoint,
                                            unsafe_checkpoints_allowed)
    from mmpose_kd.utils.remote_checkpoint import (MMCLS_PREFIX,
                                                   REMOTE_PREFIXES)

    def load_from_url_safely(filename, map_location):
        checkpoint = safe_load_checkpoint(
            filename, map_location=map_location,
            allow_unsafe=unsafe_checkpoints_allowed(),
            field=RUNNER_CHECKPOINT_FIELD)
        if filename.startswith(MMCLS_PREFIX):  # as MMEngine's mmcls loader
            checkpoint = _process_mmcls_checkpoint(checkpoint)
        return checkpoint

    load_from_url_safely._mmpose_kd_safe = True
    CheckpointLoader.register_scheme(
        prefixes=list(REMOTE_PREFIXES), loader=load_from_url_safely,
        force=True)
    _APPLIED.add('safe_remote_checkpoints')
    return True


def _recorded(name: str, applied: bool) -> bool:
    """``applied``, with ``name`` added to the applied shims if True."""
    if applied:
        _APPLIED.add(name)
    return applied


def shim_annotation_file_errors() -> bool:
    """Name the annotation file in MMPose's COCO-style loading errors.

    Inactive where the wrapper is already in (a second call).
    """
    from mmpose_kd.datasets.annotation_file_errors import \
        name_annotation_file_in_errors
    return _recorded('annotation_file_errors',
                     name_annotation_file_in_errors())


def shim_sample_list_errors() -> bool:
    """Check a dataset's sample list once it is loaded: not empty, its
    first image there.

    Inactive where the wrapper is already in (a second call).
    """
    from mmpose_kd.datasets.sample_list_errors import check_sample_lists
    return _recorded('sample_list_errors', check_sample_lists())


def shim_runner_config_checks() -> bool:
    """Check a Runner's config parts before ``Runner.__init__`` builds them.

    Inactive where the wrapper is already in (a second call).
    """
    import inspect

    from mmengine.runner import Runner
    init = Runner.__init__
    if getattr(init, '_mmpose_kd_checks_config', False):
        return False
    signature = inspect.signature(init)
    checked = ('model', 'train_cfg', 'train_dataloader', 'val_dataloader',
               'test_dataloader')

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        from mmpose_kd.engine.runner_config import (check_runner_config,
                                                    check_runner_model)
        given = signature.bind(self, *args, **kwargs).arguments
        check_runner_config(**{k: given[k] for k in checked if k in given})
        init(self, *args, **kwargs)
        check_runner_model(self.model)

    __init__._mmpose_kd_checks_config = True
    Runner.__init__ = __init__
    _APPLIED.add('runner_config_checks')
    return True


def apply_all() -> set:
    """Apply every shim that is needed here; return the names applied."""
    shim_mmcv_ext()
    shim_simcc_visualizer()
    shim_numpy2_circle_radius()
    shim_cpu_distributed()
    shim_safe_runner_checkpoints()
    shim_safe_remote_checkpoints()
    shim_annotation_file_errors()
    shim_sample_list_errors()
    shim_runner_config_checks()
    return set(_APPLIED)
