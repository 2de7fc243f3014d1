"""Build a plain MMPose config for a distilled student.

Outside the model, no value anywhere in the result names a type or config
of this plugin: the whole config is walked, and each plugin type becomes
its MMPose/MMEngine equivalent (``SafeCheckpointHook`` -> ``CheckpointHook``,
the generated dataset -> ``CocoDataset`` on its files) or is dropped when it
has none (``StudentCheckpointHook``, ``DistillLossWeightHook``). So MMPose's
own Runner (``tools/test.py``, fine-tuning) and ``init_model`` +
``inference_topdown`` use it without :mod:`mmpose_kd` installed. The model is
the student; only a student built from plugin types keeps the plugin import
(:func:`deployable_student_config`).
"""
import copy
import inspect
from typing import Mapping, Optional

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

PLUGIN = 'mmpose_kd'
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _plugin_registries() -> tuple:
    from mmpose_kd.registry import (DATASETS, HOOKS, KEYPOINT_CODECS, MODELS,
                                    OPTIM_WRAPPERS, TRANSFORMS)
    return (DATASETS, HOOKS, MODELS, KEYPOINT_CODECS, OPTIM_WRAPPERS,
            TRANSFORMS)


def _plugin_class(type_name: str):
    """(registry, class) this plugin registers under ``type_name``, or None."""
    name = type_name[len(PLUGIN) + 1:] if type_name.startswith(
        PLUGIN + '.') else type_name
    for registry in _plugin_registries():
        if name in registry.module_dict:
            return registry, registry.module_dict[name]
    return None


def _is_plugin_type(type_name) -> bool:
    """Whether a string names a type (or a config) of this plugin."""
    if not isinstance(type_name, str):
        return False
    if type_name.startswith((PLUGIN + '.', PLUGIN + '::')):
        return True
    return _plugin_class(type_name) is not None


def _plain_base(registry, cls) -> Optional[type]:
    """The nearest base of ``cls`` that MMPose/MMEngine build by its name."""
    for base in cls.__mro__[1:]:
        if base.__module__.startswith(PLUGIN):
            continue
        try:
            if registry.parent.get(base.__name__) is base:
                return base
        except KeyError:
            pass
    return None


def _plain_equivalent(cfg: dict) -> Optional[dict]:
    """The MMPose/MMEngine config a plugin-typed dict becomes (None: drop).

    A class may say itself how (``plain_config(cfg)``, e.g. the generated
    dataset becomes ``CocoDataset`` on the files it wrote); otherwise its
    nearest registered MMPose/MMEngine base takes the arguments it accepts.
    """
    found = _plugin_class(cfg['type'])
    if found is None:
        return None
    registry, cls = found
    if hasattr(cls, 'plain_config'):
        return cls.plain_config(cfg)
    base = _plain_base(registry, cls)
    if base is None:
        return None
    params = inspect.signature(base.__init__).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD
                    for p in params.values())
    plain = {k: v for k, v in cfg.items() if takes_any or k in params}
    plain['type'] = base.__name__
    return plain


_DROP = object()


def _without_plugin_types(value):
    """``value`` with every plugin type replaced by its MMPose equivalent;
    ``_DROP`` for a value that has none and must go."""
    if isinstance(value, Mapping):
        if _is_plugin_type(value.get('type')):
            value = _plain_equivalent(dict(value))
            if value is None:
                return _DROP
        kept = {k: _without_plugin_types(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not _DROP}
    if isinstance(value, (list, tuple)):
        kept = [_without_plugin_types(v) for v in value]
        return type(value)(v for v in kept if v is not _DROP)
    if _is_plugin_type(value):
        found = _plugin_class(value)
        base = _plain_base(*found) if found else None
        return base.__name__ if base is not None else _DROP
    return value


def plain_student_config(cfg: Config, student_model: dict) -> Config:
    """Return a standalone MMPose config whose model is ``student_model``."""
    data = copy.deepcopy(cfg.to_dict() if isinstance(cfg, Config) else
                         dict(cfg))
    student_model = copy.deepcopy(
        student_model.to_dict() if isinstance(student_model, ConfigDict) else
        student_model)
    student_model.pop('_scope_', None)
    data.pop('model', None)
    imports = data.get('custom_imports', {}).get('imports', [])
    imports = [m for m in imports if not m.startswith(PLUGIN)]
    if imports:
        data['custom_imports']['imports'] = imports
    else:
        data.pop('custom_imports', None)
    if data.get('test_dataloader') is None and data.get('val_dataloader'):
        data['test_dataloader'] = copy.deepcopy(data['val_dataloader'])
        data.setdefault('test_evaluator', data.get('val_evaluator'))
        data.setdefault('test_cfg', dict())
    data = {
        key: value
        for key, value in ((k, _without_plugin_types(v))
                           for k, v in data.items()) if value is not _DROP
    }
    data['model'] = student_model
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
