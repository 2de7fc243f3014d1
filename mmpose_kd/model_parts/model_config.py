"""Turn a student/teacher spec into a model config dict.

A spec is either an inline model dict or the path of an MMPose config file
whose ``model`` field is taken: a file path, an ``mmpose::`` path of a config
that ships with MMPose (resolved through :func:`mmengine.hub.get_config`), or
an ``mmpose_kd::`` path of a config that ships with this package.
"""
import os.path as osp
from typing import Union

from mmengine.config import Config, ConfigDict


PACKAGE_PREFIX = 'mmpose_kd::'


def package_configs_root() -> str:
    """Where this package's configs are: ``.mim/configs`` once installed,
    the repository's ``configs/`` in a source checkout."""
    package_dir = osp.dirname(osp.dirname(osp.abspath(__file__)))
    installed = osp.join(package_dir, '.mim', 'configs')
    if osp.isdir(installed):
        return installed
    return osp.join(osp.dirname(package_dir), 'configs')


def package_config_path(spec: str) -> str:
    """``'mmpose_kd::quickstart/x.py'`` -> absolute path of that config."""
    return osp.join(package_configs_root(), spec[len(PACKAGE_PREFIX):])


def _load_file(path: str, field: str, spec: str) -> Config:
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'`{field}`: config file {spec!r} does not exist'
            + (f' (looked at {path!r}).' if path != spec else '.'))
    return Config.fromfile(path)


def replace_hint(field: str) -> str:
    """What to write to replace (not merge into) a model part of a recipe."""
    part = field.rsplit('.', 1)[-1]
    return (f'If your config inherits a recipe and sets `{part}`, MMEngine '
            'merges your dict into the recipe\'s: to replace the whole '
            f'model write `{part}=dict(_delete_=True, '
            "type='TopdownPoseEstimator', ...)`; to replace one part, put "
            "`_delete_=True` in that sub-dict, e.g. `backbone=dict("
            "_delete_=True, type='ResNet', ...)` (see docs/configs.md, "
            '"Swapping a recipe\'s student or teacher").')


def build_model_part(cfg: ConfigDict, field: str, registry):
    """``registry.build(cfg)``; a wrong argument also says how to replace.

    A ``TypeError`` (unexpected or missing argument) is what a dict
    half-merged into a recipe's gives, e.g. a new backbone type that kept
    the old backbone's ``depth``.
    """
    try:
        return registry.build(cfg)
    except TypeError as error:
        raise TypeError(f'`{field}`: {error}. {replace_hint(field)}') \
            from error


def resolve_model_cfg(spec: Union[str, dict], field: str) -> ConfigDict:
    """Return the model config that ``spec`` describes.

    Args:
        spec (str | dict): Inline model dict, config path or ``mmpose::``
            path.
        field (str): Config field name used in error messages.
    """
    if isinstance(spec, dict):
        if 'type' not in spec:
            raise ValueError(f'`{field}` must be a model dict with a `type` '
                             f'(e.g. TopdownPoseEstimator), got keys '
                             f'{sorted(spec)}. {replace_hint(field)}')
        return ConfigDict(spec)
    if not isinstance(spec, str):
        raise TypeError(f'`{field}` must be a model dict or a config file '
                        f'path, got {type(spec).__name__}.')
    if spec.startswith(PACKAGE_PREFIX):
        cfg = _load_file(package_config_path(spec), field, spec)
    elif '::' in spec:
        from mmengine.hub import get_config
        try:
            cfg = get_config(spec)
        except Exception as error:  # noqa: BLE001
            raise FileNotFoundError(
                f'`{field}`: cannot load config {spec!r}: {error}') from error
    else:
        cfg = _load_file(spec, field, spec)
    if 'model' not in cfg:
        raise ValueError(f'`{field}`: config {spec!r} has no `model` field.')
    return ConfigDict(cfg.model.to_dict() if hasattr(cfg.model, 'to_dict')
                      else cfg.model)
