"""One entry of a distiller's ``distill_losses``: the loss and its routes.

An entry is a loss config plus two optional keys the distiller reads
itself: ``student_input`` and ``teacher_input``, where the loss takes its
two values (:mod:`.loss_routes`; default the head's output, ``'preds'``).
With a teacher cache the teacher side is read from the cache, which first
checks that it can feed the loss (:mod:`.cached_teacher`).
"""
import copy
from typing import Dict, Optional, Tuple

from torch import nn

from mmpose_kd.models.losses import BaseDistillLoss
from mmpose_kd.registry import MODELS
from mmpose_kd.utils.validation import raise_with_field
from .loss_routes import PREDS, LossRoute, build_route


def build_distill_loss(name: str, cfg: dict, student: nn.Module,
                       teacher: Optional[nn.Module], cached_teacher=None
                       ) -> Tuple[BaseDistillLoss, Dict[str, LossRoute]]:
    """Build ``distill_losses.<name>`` from ``cfg``.

    Args:
        name (str): The entry's key; must contain ``loss`` (MMEngine
            back-propagates only such keys).
        cfg (dict): The loss config, with ``student_input`` /
            ``teacher_input`` if given.
        student (nn.Module): The student the student route taps.
        teacher (nn.Module, optional): The live teacher (None with a
            cache).
        cached_teacher (CachedTeacher, optional): The teacher cache.

    Returns:
        tuple: The loss and ``{'student': LossRoute, 'teacher': ...}``.
    """
    field = f'distill_losses.{name}'
    if 'loss' not in name:
        raise ValueError(
            f'`{field}`: loss names must contain "loss" (MMEngine only '
            f'back-propagates such keys); rename {name!r} to '
            f"'loss_{name}'.")
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ValueError(f'`{field}` must be a dict with a `type`.')
    cfg = copy.deepcopy(dict(cfg))
    if cached_teacher is not None:
        cached_teacher.check_loss(field, cfg)
    teacher_spec = cfg.pop('teacher_input', PREDS)
    student_route = build_route(cfg.pop('student_input', PREDS), student,
                                f'{field}.student_input', owner='student')
    if cached_teacher is not None:
        teacher_route = cached_teacher.route(teacher_spec,
                                             f'{field}.teacher_input')
    else:
        teacher_route = build_route(teacher_spec, teacher,
                                    f'{field}.teacher_input', owner='teacher')
    try:
        loss = MODELS.build(cfg)
    except (KeyError, TypeError, ValueError) as error:
        raise_with_field(error, field)
    if not isinstance(loss, BaseDistillLoss):
        names = sorted(n for n, c in MODELS.module_dict.items()
                       if issubclass(c, BaseDistillLoss))
        raise TypeError(
            f'`{field}`: {cfg["type"]!r} is not a distillation loss; '
            f'use one of {", ".join(names)}.')
    if cached_teacher is not None:
        teacher_route = cached_teacher.check_built_loss(field, loss,
                                                        teacher_route)
    return loss, dict(student=student_route, teacher=teacher_route)
