"""Build a plain MMPose config for a distilled student.

The result names only MMPose types, so ``mmpose.apis.init_model`` and
``inference_topdown`` use it without importing :mod:`mmpose_kd`: the model is
the student, plugin-only hooks and imports are dropped, and plugin datasets
become the MMPose dataset they subclass.
"""
import copy
import inspect
from typing import Mapping, Optional

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

PLUGIN = 'mmpose_kd'
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _is_plugin_type(type_name) -> bool:
    if not isinstance(type_name, str):
        return False
    if type_name.startswith(PLUGIN + '.'):
        return True
    from mmpose_kd.registry import DATASETS, HOOKS, MODELS
    return any(type_name in registry.module_dict
               for registry in (DATASETS, HOOKS, MODELS))


def _plain_dataset(dataset_cfg: dict) -> dict:
    """Replace a plugin dataset by its MMPose base class, same arguments."""
    from mmpose_kd.registry import DATASETS
    type_name = dataset_cfg.get('type')
    if not _is_plugin_type(type_name):
        return dataset_cfg
    cls = DATASETS.get(type_name.split('.')[-1])
    base = next(c for c in cls.__mro__[1:] if not c.__module__.startswith(
        PLUGIN))
    accepted = set(inspect.signature(base.__init__).parameters)
    plain = {k: v for k, v in dataset_cfg.items() if k in accepted}
    plain['type'] = base.__name__
    return plain


def plain_student_config(cfg: Config, student_model: dict) -> Config:
    """Return a standalone MMPose config whose model is ``student_model``."""
    data = copy.deepcopy(cfg.to_dict() if isinstance(cfg, Config) else
                         dict(cfg))
    student_model = copy.deepcopy(
        student_model.to_dict() if isinstance(student_model, ConfigDict) else
        student_model)
    student_model.pop('_scope_', None)
    data['model'] = student_model
    imports = data.get('custom_imports', {}).get('imports', [])
    imports = [m for m in imports if not m.startswith(PLUGIN)]
    if imports:
        data['custom_imports']['imports'] = imports
    else:
        data.pop('custom_imports', None)
    data['custom_hooks'] = [
        hook for hook in data.get('custom_hooks', [])
        if not _is_plugin_type(hook.get('type'))
    ]
    if data.get('test_dataloader') is None and data.get('val_dataloader'):
        data['test_dataloader'] = copy.deepcopy(data['val_dataloader'])
        data.setdefault('test_evaluator', data.get('val_evaluator'))
        data.setdefault('test_cfg', dict())
    for loader in DATALOADERS:
        if isinstance(data.get(loader), dict) and 'dataset' in data[loader]:
            data[loader]['dataset'] = _plain_dataset(data[loader]['dataset'])
    for key in ('work_dir', 'resume', 'load_from', 'teacher_ckpt'):
        data.pop(key, None)
    data.setdefault('default_scope', 'mmpose')
    return Config(data)


def _plugin_types(cfg) -> list:
    """Plugin type names used anywhere inside ``cfg``."""
    if isinstance(cfg, Mapping):
        found = [cfg['type']] if _is_plugin_type(cfg.get('type')) else []
        return found + [t for v in cfg.values() for t in _plugin_types(v)]
    if isinstance(cfg, (list, tuple)):
        return [t for v in cfg for t in _plugin_types(v)]
    return []


def _retarget(pipeline, codec: dict) -> None:
    for step in pipeline or []:
        if isinstance(step, dict) and step.get('type') == 'GenerateTarget':
            step['encoder'] = copy.deepcopy(codec)


def deployable_student_config(cfg: Config,
                              student_model: dict,
                              target_codec: Optional[dict] = None) -> Config:
    """:func:`plain_student_config`, usable even for a plugin-type student.

    Args:
        cfg (Config): The training config.
        student_model (dict): The deployed student's model config.
        target_codec (dict, optional): Codec that ``GenerateTarget`` steps
            encode with instead of the training one (e.g. an OCD student's
            regression codec in place of ``IntegralRegressionLabel``).

    Returns:
        Config: MMPose types only when the student allows it; a student
        that needs a plugin type (e.g. ``DownsizedRegressionHead``) keeps
        ``custom_imports`` of this package, with a warning.
    """
    data = plain_student_config(cfg, student_model).to_dict()
    if target_codec is not None:
        codec = dict(target_codec)
        for key, value in data.items():
            if key.endswith('pipeline') and isinstance(value, list):
                _retarget(value, codec)
            elif key in DATALOADERS and isinstance(value, dict):
                _retarget(value.get('dataset', {}).get('pipeline'), codec)
    needed = sorted(set(_plugin_types(data['model'])))
    if needed:
        data['custom_imports'] = dict(
            imports=[PLUGIN], allow_failed_imports=False)
        print_log(
            f'the student uses plugin types {needed}: its config imports '
            f'{PLUGIN}, which must be installed to load it.',
            logger='current',
            level=30)
    return Config(data)
