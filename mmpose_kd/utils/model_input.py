"""What a pose model (or a distiller's pair) takes as input.

Shared by the complexity analysis and the ONNX export, so that neither
imports the other.
"""
from typing import Dict, Optional, Tuple

from mmengine.config import Config
from torch import nn


def pose_models(model: nn.Module) -> Dict[str, nn.Module]:
    """``{'teacher': ..., 'student': ...}`` for a distiller, else
    ``{'model': model}``."""
    student = getattr(model, 'student', None)
    teacher = getattr(model, 'teacher', None)
    if isinstance(student, nn.Module) and isinstance(teacher, nn.Module):
        return dict(teacher=teacher, student=student)
    return dict(model=model)


def _input_size_from_cfg(cfg: Config) -> Optional[Tuple[int, int]]:
    codec = cfg.get('codec')
    if isinstance(codec, dict) and 'input_size' in codec:
        return tuple(codec['input_size'])
    for loader in ('val_dataloader', 'test_dataloader', 'train_dataloader'):
        pipeline = cfg.get(loader, {}).get('dataset', {}).get('pipeline', [])
        for transform in pipeline or []:
            if transform.get('type') == 'TopdownAffine':
                return tuple(transform['input_size'])
    return None


def input_shape(cfg: Config, model: nn.Module) -> Tuple[int, int, int]:
    """``(3, H, W)`` the model is configured for.

    Read from the (student) head's codec, else the config's ``codec``, else
    the ``TopdownAffine`` transform of a pipeline. MMPose sizes are (W, H).
    """
    student = pose_models(model).get('student', model)
    decoder = getattr(getattr(student, 'head', None), 'decoder', None)
    size = getattr(decoder, 'input_size', None)
    if size is None:
        size = _input_size_from_cfg(cfg)
    if size is None:
        raise ValueError('cannot find the input size in the config (no head '
                         'codec, `codec` or TopdownAffine transform); pass '
                         '--shape H W.')
    width, height = (int(v) for v in size)
    return 3, height, width
