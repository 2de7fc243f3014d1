"""Child registries of MMPose's, under the scope ``mmpose_kd``.

Modules registered here resolve from configs that keep ``default_scope='mmpose'``
when the model dict carries ``_scope_='mmpose_kd'`` or the type is written as
``'mmpose_kd.TypeName'``. Lookups that miss here fall back to MMPose's registries,
so a distiller config can still name ``TopdownPoseEstimator`` or ``ResNet``.
"""
from mmengine.registry import Registry
from mmpose.registry import DATASETS as MMPOSE_DATASETS
from mmpose.registry import HOOKS as MMPOSE_HOOKS
from mmpose.registry import KEYPOINT_CODECS as MMPOSE_KEYPOINT_CODECS
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose.registry import OPTIM_WRAPPERS as MMPOSE_OPTIM_WRAPPERS
from mmpose.registry import TRANSFORMS as MMPOSE_TRANSFORMS

SCOPE = 'mmpose_kd'

MODELS = Registry(
    'model', parent=MMPOSE_MODELS, scope=SCOPE, locations=['mmpose_kd.models'])
DATASETS = Registry(
    'dataset',
    parent=MMPOSE_DATASETS,
    scope=SCOPE,
    locations=['mmpose_kd.datasets'])
HOOKS = Registry(
    'hook', parent=MMPOSE_HOOKS, scope=SCOPE, locations=['mmpose_kd.engine'])
# Optimizer wrappers (CPU mixed precision, mmpose_kd.engine).
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMPOSE_OPTIM_WRAPPERS,
    scope=SCOPE,
    locations=['mmpose_kd.engine'])
# Data transforms (the teacher cache's replay and packing, mmpose_kd.cache).
TRANSFORMS = Registry(
    'transform',
    parent=MMPOSE_TRANSFORMS,
    scope=SCOPE,
    locations=['mmpose_kd.cache'])
# Heads built under this scope build their codecs through this registry.
KEYPOINT_CODECS = Registry(
    'KEYPOINT_CODECS', parent=MMPOSE_KEYPOINT_CODECS, scope=SCOPE)
