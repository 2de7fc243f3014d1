"""Train a config for another number of epochs, its schedule stretched.

``--cfg-options train_cfg.max_epochs=N`` alone changes when training stops,
not the learning-rate schedule: a cosine written for 50 epochs, cut at 25,
ends at half the learning rate, never annealed; run for 100, it spends the
last 50 at ``eta_min``. The benchmark and ablation tools train recipes at
other budgets, so they stretch every epoch-based scheduler that spans the
config's whole run to the new length as well.
"""
from typing import List

from mmengine.config import Config


def epoch_options(config: str, epochs: int) -> List[str]:
    """``--cfg-options`` that train ``config`` for ``epochs`` epochs
    (validating at the end) with its full-run schedulers stretched.

    A scheduler is stretched when it is epoch-based and its ``end`` is the
    config's ``max_epochs``; its ``T_max`` follows when it spanned
    ``end - begin``. Warm-ups and other partial schedulers keep their
    lengths.
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) \
            or epochs < 1:
        raise ValueError(f'epochs must be a positive integer, got '
                         f'{epochs!r}.')
    cfg = Config.fromfile(config)
    options = [f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={epochs}']
    old_epochs = cfg.get('train_cfg', {}).get('max_epochs')
    schedulers = cfg.get('param_scheduler') or []
    single = isinstance(schedulers, dict)
    for index, scheduler in enumerate([schedulers] if single
                                      else schedulers):
        prefix = 'param_scheduler' if single else f'param_scheduler.{index}'
        if old_epochs is None or not scheduler.get('by_epoch', True) or \
                scheduler.get('end') != old_epochs:
            continue
        begin = scheduler.get('begin', 0)
        if epochs <= begin:
            raise ValueError(
                f'{config}: {epochs} epochs end before {prefix} '
                f'({scheduler.get("type")}) begins at epoch {begin}.')
        options.append(f'{prefix}.end={epochs}')
        if scheduler.get('T_max') == old_epochs - begin:
            options.append(f'{prefix}.T_max={epochs - begin}')
    return options
