"""Pure functions giving a loss-weight factor at a training iteration.

Each schedule maps the iteration to a multiplier of the loss's configured
weight. They are stateless, so resuming at iteration ``i`` reproduces exactly
the factor an uninterrupted run had at ``i``.
"""
import math
from typing import Optional

from mmpose_kd.utils.validation import (check_choice, check_known_arguments,
                                        check_non_negative_number)

SCHEDULES = ('constant', 'linear', 'cosine', 'step')


def schedule_factor(kind: str,
                    iteration: int,
                    begin: int = 0,
                    end: Optional[int] = None,
                    start_factor: float = 1.0,
                    end_factor: float = 1.0,
                    milestones=(),
                    gamma: float = 0.1) -> float:
    """Factor at ``iteration`` (0-based, counted in training iterations).

    Args:
        kind (str): ``'constant'`` (``start_factor``), ``'linear'`` or
            ``'cosine'`` (from ``start_factor`` at ``begin`` to
            ``end_factor`` at ``end``; held outside the range), ``'step'``
            (``start_factor * gamma ** n``, n = milestones passed).
    """
    if kind == 'constant':
        return start_factor
    if kind == 'step':
        passed = sum(1 for m in milestones if iteration >= m)
        return start_factor * gamma**passed
    if kind not in ('linear', 'cosine'):
        raise ValueError(f'schedule type must be one of {SCHEDULES}, got '
                         f'{kind!r}.')
    if end is None or end <= begin:
        raise ValueError(f'{kind} schedule needs end > begin, got begin='
                         f'{begin}, end={end}.')
    progress = min(max((iteration - begin) / (end - begin), 0.0), 1.0)
    if kind == 'cosine':
        progress = (1 - math.cos(math.pi * progress)) / 2
    return start_factor + (end_factor - start_factor) * progress


#: Arguments of :func:`schedule_factor` a schedule config may give.
SCHEDULE_ARGS = ('type', 'begin', 'end', 'start_factor', 'end_factor',
                 'milestones', 'gamma')


def check_schedule(owner: str, cfg, by_fraction: bool = False,
                   by_epoch: bool = False) -> None:
    """Raise naming ``owner`` and the argument unless ``cfg`` is a schedule
    config :func:`schedule_factor` can follow: a known ``type``, known
    arguments, numbers >= 0 (fractions in [0, 1] with ``by_fraction``,
    whole iterations without it or ``by_epoch``)."""
    if not isinstance(cfg, dict):
        raise TypeError(f'{owner} must be a dict(type=..., ...), got '
                        f'{cfg!r}.')
    check_choice(owner, 'type', cfg.get('type'), SCHEDULES)
    check_known_arguments(owner, cfg, SCHEDULE_ARGS)
    # `end` None means the end of the run; every other given value is a
    # number
    points = {k: cfg[k] for k in ('begin', 'end')
              if k in cfg and (k != 'end' or cfg[k] is not None)}
    milestones = cfg.get('milestones', ())
    if not isinstance(milestones, (list, tuple)):
        raise TypeError(f'{owner}: `milestones` must be a list, got '
                        f'{milestones!r}.')
    points.update({f'milestones[{i}]': m for i, m in enumerate(milestones)})
    factors = {k: cfg[k] for k in ('start_factor', 'end_factor', 'gamma')
               if k in cfg}
    for key, value in {**factors, **points}.items():
        check_non_negative_number(owner, key, value)
    if not by_fraction and not by_epoch and any(
            float(v) != int(v) for v in points.values()):
        raise ValueError(
            f'{owner}: begin/end/milestones {points} count iterations and '
            'must be whole numbers; for fractions of the run set '
            'by_fraction=True.')
    bad = [v for v in points.values() if by_fraction and not 0 <= v <= 1]
    if bad:
        raise ValueError(
            f'{owner}: with by_fraction=True begin/end/milestones are '
            f'fractions of the run in [0, 1], got {bad}.')
