"""Export a trained student as a plain MMPose model (``student.pth`` + config).

The logic behind ``tools/export_student.py`` and
:class:`mmpose_kd.engine.hooks.StudentCheckpointHook`. The training model is
either a :class:`~mmpose_kd.models.distillers.PoseDistiller` (its student is
deployed: ``student.*`` weights) or a pose model trained alone, e.g. by OCD
(the model itself is deployed). A student whose head is a
:class:`~mmpose_kd.models.heads.CrossRepresentationHead` is reduced to its
regression branch (:func:`~mmpose_kd.deploy.ocd_to_regression.to_plain_regression_model`),
so its parameter count is the plain regression model's.

The output checkpoint holds only tensors and plain Python data (no numpy
objects), so torch's ``weights_only`` loader - MMEngine's default under
torch >= 2.6 - reads it; ``student_config.py`` names only MMPose types where
the student allows it, so ``mmpose.apis.init_model`` needs no ``mmpose_kd``.
The command line (:func:`main`) is ``tools/export_student.py``.
"""
import copy
import os
import os.path as osp
from typing import Dict, Mapping, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from mmpose_kd.model_parts.model_config import resolve_model_cfg
from mmpose_kd.models.distillers import PoseDistiller
from mmpose_kd.models.heads import CrossRepresentationHead
from mmpose_kd.registry import MODELS
from mmpose_kd.utils.checkpoint import (STUDENT_PREFIX, CheckpointLoadError,
                                        check_state_dict_fit,
                                        extract_state_dict,
                                        is_distiller_state_dict,
                                        safe_load_checkpoint)
from .ocd_to_regression import to_plain_regression_model
from .student_config import deployable_student_config

STUDENT_CHECKPOINT = 'student.pth'
STUDENT_CONFIG = 'student_config.py'


def to_plain_data(value):
    """Replace numpy arrays/scalars inside ``value`` by lists/numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: to_plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain_data(v) for v in value)
    return value


def _registered_class(cfg: Optional[Mapping]):
    """The class a model-registry config builds, or None if unknown."""
    if not isinstance(cfg, Mapping):
        return None
    type_ = cfg.get('type')
    if isinstance(type_, type):
        return type_
    if not isinstance(type_, str):
        return None
    return MODELS.get(type_)


def _is_subclass(cfg: Optional[Mapping], base: type) -> bool:
    cls = _registered_class(cfg)
    return isinstance(cls, type) and issubclass(cls, base)


def is_distiller_cfg(model_cfg: Mapping) -> bool:
    """Whether ``model_cfg`` builds a :class:`PoseDistiller` (or subclass)."""
    return _is_subclass(model_cfg, PoseDistiller)


def has_cross_representation_head(model_cfg: Mapping) -> bool:
    """Whether the pose model's head is a :class:`CrossRepresentationHead`."""
    return _is_subclass(model_cfg.get('head'), CrossRepresentationHead)


def _to_dict(cfg) -> dict:
    return cfg.to_dict() if isinstance(cfg, ConfigDict) else copy.deepcopy(
        dict(cfg))


def plain_student(student_cfg: Mapping,
                  state_dict: Mapping) -> Tuple[dict, Dict]:
    """The deployable student: OCD heads reduced to their regression branch.

    Args:
        student_cfg (Mapping): The student pose model config.
        state_dict (Mapping): Its weights (keys ``backbone.*``, ``head.*``).

    Returns:
        tuple: (model config dict, state dict of detached CPU tensors).
    """
    student_cfg = _to_dict(student_cfg)
    if has_cross_representation_head(student_cfg):
        student_cfg, state_dict = to_plain_regression_model(
            student_cfg, state_dict)
    state_dict = {
        k: v.detach().cpu() if isinstance(v, torch.Tensor) else v
        for k, v in state_dict.items()
    }
    return student_cfg, state_dict


def split_student(model_cfg: Mapping,
                  state_dict: Mapping) -> Tuple[Mapping, Dict]:
    """The trained student's config and weights in a training model's.

    Args:
        model_cfg (Mapping): The training config's ``model``: a distiller
            (student from its ``student`` field, weights under ``student.``)
            or a pose model (taken whole).
        state_dict (Mapping): The training model's weights.

    Returns:
        tuple: (student model config, its state dict), before
        :func:`plain_student`.
    """
    if not is_distiller_cfg(model_cfg):
        return model_cfg, dict(state_dict)
    student_cfg = resolve_model_cfg(model_cfg['student'], 'model.student')
    if not is_distiller_state_dict(state_dict):
        raise ValueError(
            'the config trains a distiller but the weights have no '
            f'{STUDENT_PREFIX!r} keys (first keys: {list(state_dict)[:3]}); '
            'is this a checkpoint of that distiller?')
    return student_cfg, {
        k[len(STUDENT_PREFIX):]: v
        for k, v in state_dict.items() if k.startswith(STUDENT_PREFIX)
    }


def save_plain_student(out_dir: str,
                       cfg: Config,
                       student_cfg: Mapping,
                       state_dict: Mapping,
                       meta: Optional[dict] = None,
                       check: bool = False,
                       source: str = 'the student weights',
                       filename: str = STUDENT_CHECKPOINT,
                       config_filename: str = STUDENT_CONFIG
                       ) -> Tuple[str, str]:
    """Write the deployable student into ``out_dir``.

    Args:
        out_dir (str): Output directory (created if needed).
        cfg (Config): The training config (data, runtime, dataset meta).
        student_cfg (Mapping): The trained student's model config; an OCD
            head is reduced to its regression branch here.
        state_dict (Mapping): The trained student's weights.
        meta (dict, optional): Checkpoint ``meta`` (``dataset_meta``,
            ``epoch``, ...); numpy values become lists/numbers.
        check (bool): Build the plain student and raise ``ValueError``
            unless the weights are exactly its weights.
        source (str): Where the weights came from, named in that error.
        filename (str): Checkpoint file name.
        config_filename (str): Config file name.

    Returns:
        tuple: (checkpoint path, config path).
    """
    was_cross_representation = has_cross_representation_head(student_cfg)
    plain_cfg, plain_state = plain_student(student_cfg, state_dict)
    if check:
        scope = cfg.get('default_scope') or 'mmpose'
        with DefaultScope.overwrite_default_scope(scope):
            model = MODELS.build(copy.deepcopy(plain_cfg))
        check_state_dict_fit(model, plain_state, source, 'checkpoint')
    os.makedirs(out_dir, exist_ok=True)
    ckpt_path = osp.join(out_dir, filename)
    # Plain Python data only: torch's weights_only loader (the default in
    # torch >= 2.6) rejects numpy objects in a checkpoint.
    checkpoint = dict(
        meta=to_plain_data(dict(meta or {})), state_dict=plain_state)
    tmp_path = ckpt_path + '.tmp'
    torch.save(checkpoint, tmp_path)
    os.replace(tmp_path, ckpt_path)
    cfg_path = osp.join(out_dir, config_filename)
    # An OCD student trains on its regression codec's targets alone.
    target_codec = plain_cfg['head'].get(
        'decoder') if was_cross_representation else None
    deployable_student_config(cfg, plain_cfg, target_codec).dump(cfg_path)
    return ckpt_path, cfg_path


def export_student(config: Union[str, Config],
                   checkpoint: str,
                   out_dir: str,
                   allow_unsafe: bool = False,
                   strict: bool = True) -> Tuple[str, str]:
    """Export the student of a training run as a plain MMPose model.

    Args:
        config (str | Config): The training config (distiller or OCD model).
        checkpoint (str): A checkpoint the runner saved with that config.
        out_dir (str): Where ``student.pth`` and ``student_config.py`` go.
        allow_unsafe (bool): Fully unpickle the checkpoint (trusted files
            only); by default only plain data and tensors are read.
        strict (bool): Refuse weights that are not exactly the student's
            (missing, unexpected or shape-mismatched keys); ``False`` writes
            them as they are.

    Returns:
        tuple: (checkpoint path, config path) written.

    Raises:
        FileNotFoundError: ``config`` or ``checkpoint`` does not exist.
        ValueError: The checkpoint's weights do not fit the config's student
            (the message names both files).
    """
    if isinstance(config, Config):
        cfg, config_name = config, config.filename or '<Config>'
    else:
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file {config!r} does not exist.')
        cfg, config_name = Config.fromfile(config), config
    if cfg.get('model') is None:
        raise ValueError(f'config {config_name!r} has no `model`.')
    ckpt = safe_load_checkpoint(
        checkpoint, allow_unsafe=allow_unsafe, field='checkpoint')
    ckpt_meta = (ckpt.get('meta') if isinstance(ckpt, dict) else None) or {}
    meta = {
        k: ckpt_meta[k]
        for k in ('epoch', 'iter', 'dataset_meta') if k in ckpt_meta
    }
    meta['exported_from'] = osp.basename(checkpoint)
    try:
        student_cfg, state_dict = split_student(cfg.model,
                                                extract_state_dict(ckpt))
        return save_plain_student(
            out_dir, cfg, student_cfg, state_dict, meta, check=strict,
            source=checkpoint)
    except (ValueError, CheckpointLoadError) as error:
        raise ValueError(
            f'checkpoint {checkpoint!r} does not match the student of config '
            f'{config_name!r}: {error}') from error
