"""Pure functions giving a loss-weight factor at a training iteration.

Each schedule maps the iteration to a multiplier of the loss's configured
weight. They are stateless, so resuming at iteration ``i`` reproduces exactly
the factor an uninterrupted run had at ``i``.
"""
import math
from typing import Optional

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
