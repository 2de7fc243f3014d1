"""Train a config for another number of epochs, its schedule stretched.

``--cfg-options train_cfg.max_epochs=N`` alone changes when training stops,
not the learning-rate schedule: a cosine written for 50 epochs, cut at 25,
ends at half the learning rate, never annealed; run for 100, it spends the
last 50 at ``eta_min``. The benchmark and ablation tools train recipes at
other budgets, so they stretch every epoch-based scheduler that spans the
config's whole run to the new length as well.
"""
import os
import os.path as osp
from functools import lru_cache
from typing import List, Optional

from mmengine.config import Config


def load_config(path: str) -> Config:
    """``Config.fromfile(path)``, read once per process and file version
    (a config takes most of a second to read); do not change the result,
    copy it (``copy.deepcopy``) first."""
    stat = os.stat(path)
    return _load_config(osp.abspath(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=None)
def _load_config(path: str, mtime_ns: int, size: int) -> Config:
    return Config.fromfile(path)


def config_epochs(config: str) -> int:
    """``train_cfg.max_epochs`` of ``config``: the budget it was written
    for (the shipped teacher's is the teacher budget)."""
    epochs = load_config(config).get('train_cfg', {}).get('max_epochs')
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f'{config}: train_cfg.max_epochs is {epochs!r}, '
                         'not a positive number of epochs.')
    return epochs


def _check_positive(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f'{name} must be a positive integer, got '
                         f'{value!r}.')


def epoch_options(config: str, epochs: int,
                  val_interval: Optional[int] = None) -> List[str]:
    """``--cfg-options`` that train ``config`` for ``epochs`` epochs
    with its full-run schedulers stretched, validating every
    ``val_interval`` epochs (default: at the end only; MMEngine always
    validates after the last epoch).

    A scheduler is stretched when it is epoch-based and its ``end`` is the
    config's ``max_epochs``; its ``T_max`` follows when it spanned
    ``end - begin``. Warm-ups and other partial schedulers keep their
    lengths.
    """
    _check_positive('epochs', epochs)
    if val_interval is not None:
        _check_positive('val_interval', val_interval)
    cfg = load_config(config)
    options = [f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={val_interval or epochs}']
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
