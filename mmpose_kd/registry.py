"""Child registries of MMPose's, under the scope ``mmpose_kd``.

Modules registered here resolve from configs that keep ``default_scope='mmpose'``
when the model dict carries ``_scope_='mmpose_kd'`` or the type is written as
``'mmpose_kd.TypeName'``. Lookups that miss here fall back to MMPose's registries,
so a distiller config can still name ``TopdownPoseEstimator`` or ``ResNet``.

Every class registered here refuses a keyword argument it does not take with
a TypeError naming the argument and the nearest valid names (Python's own
message names neither the config entry's class nor what was meant); a class
whose ``__init__`` chain ends in ``**kwargs`` takes any name and is left as
it is.
"""
import functools
import inspect

from mmengine.registry import Registry
from mmpose.registry import DATASETS as MMPOSE_DATASETS
from mmpose.registry import HOOKS as MMPOSE_HOOKS
from mmpose.registry import KEYPOINT_CODECS as MMPOSE_KEYPOINT_CODECS
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose.registry import OPTIM_WRAPPERS as MMPOSE_OPTIM_WRAPPERS
from mmpose.registry import TRANSFORMS as MMPOSE_TRANSFORMS

from mmpose_kd.utils.validation import (accepted_arguments,
                                        check_known_arguments)

SCOPE = 'mmpose_kd'
_CHECKS_ARGUMENTS = '_mmpose_kd_checks_arguments'


def refuse_unknown_arguments(cls: type) -> type:
    """Make ``cls(...)`` refuse unknown keyword arguments (see above)."""
    init = cls.__init__
    accepted = accepted_arguments(cls)
    if getattr(init, _CHECKS_ARGUMENTS, False) or accepted is None:
        return cls

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        check_known_arguments(type(self).__name__, kwargs, accepted)
        init(self, *args, **kwargs)

    setattr(__init__, _CHECKS_ARGUMENTS, True)
    cls.__init__ = __init__
    return cls


class _Registry(Registry):
    """MMEngine's Registry; what it registers refuses unknown arguments."""

    def _register_module(self, module, module_name=None, force=False):
        super()._register_module(module, module_name, force)
        if inspect.isclass(module):
            refuse_unknown_arguments(module)


MODELS = _Registry(
    'model', parent=MMPOSE_MODELS, scope=SCOPE, locations=['mmpose_kd.models'])
DATASETS = _Registry(
    'dataset',
    parent=MMPOSE_DATASETS,
    scope=SCOPE,
    locations=['mmpose_kd.datasets'])
HOOKS = _Registry(
    'hook', parent=MMPOSE_HOOKS, scope=SCOPE, locations=['mmpose_kd.engine'])
# Optimizer wrappers (CPU mixed precision, mmpose_kd.engine).
OPTIM_WRAPPERS = _Registry(
    'optim_wrapper',
    parent=MMPOSE_OPTIM_WRAPPERS,
    scope=SCOPE,
    locations=['mmpose_kd.engine'])
# Data transforms (the teacher cache's replay and packing, mmpose_kd.cache).
TRANSFORMS = _Registry(
    'transform',
    parent=MMPOSE_TRANSFORMS,
    scope=SCOPE,
    locations=['mmpose_kd.cache'])
# Heads built under this scope build their codecs through this registry.
KEYPOINT_CODECS = _Registry(
    'KEYPOINT_CODECS', parent=MMPOSE_KEYPOINT_CODECS, scope=SCOPE)
