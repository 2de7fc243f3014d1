"""Build a plain MMPose config for a distilled student.

The result names only MMPose types, so ``mmpose.apis.init_model`` and
``inference_topdown`` use it without importing :mod:`mmpose_kd`: the model is
the student, plugin-only hooks and imports are dropped, and plugin datasets
become the MMPose dataset they subclass.
"""
import copy
import inspect

from mmengine.config import Config, ConfigDict

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
