"""A stand-in for ``tools/train.py`` in the teacher-budget tests.

It writes what a real training leaves in its work dir, in MMEngine's
formats: ``<timestamp>/vis_data/scalars.json`` with a training record every
:data:`LOG_INTERVAL` iterations (the last :data:`ITERS_PER_EPOCH` %
:data:`LOG_INTERVAL` of each epoch unlogged, as MMEngine's ``LoggerHook``
does) and a validation record (``step`` = the epoch) every
``train_cfg.val_interval`` epochs and after the last, a checkpoint per
epoch (only the newest kept) with ``last_checkpoint``, and its stdout log.
It honours ``--resume`` (a new timestamp folder from the checkpoint's
epoch on) and can die after a given epoch, as a crashed run does.
"""
import itertools
import json
import os
import os.path as osp
import re
from typing import Callable, Dict, Optional

ITERS_PER_EPOCH = 25
LOG_INTERVAL = 10
_STAMPS = itertools.count()


def options_dict(options) -> Dict[str, str]:
    return dict(option.split('=', 1) for option in options)


class StandInTraining:
    """Callable like :func:`benchmark_harness.quickstart.train`.

    Args:
        ap (callable): ``(config stem, seed, epoch / max_epochs) -> AP``.
        step_time (callable): ``config stem -> seconds per iteration``.
        dies_after (callable, optional): ``(config stem, seed) -> epoch``
            after whose checkpoint that run crashes, in the middle of the
            next epoch (0: before any checkpoint), or None.
    """

    def __init__(self, ap: Callable, step_time: Callable = lambda _: 0.1,
                 dies_after: Optional[Callable] = None):
        self.ap, self.step_time = ap, step_time
        self.dies_after = dies_after or (lambda stem, seed: None)
        self.calls = []

    def __call__(self, config, work_dir, options, flags=(), threads=None):
        stem = osp.splitext(osp.basename(config))[0]
        opts = options_dict(options)
        seed = int(opts['randomness.seed'])
        epochs = int(opts['train_cfg.max_epochs'])
        interval = int(opts['train_cfg.val_interval'])
        self.calls.append(dict(stem=stem, seed=seed, options=list(options),
                               flags=list(flags), work_dir=work_dir))
        os.makedirs(work_dir, exist_ok=True)
        with open(osp.join(work_dir, 'train_stdout.log'), 'w') as log:
            log.write(f'stand-in training of {stem}\n')
        start = 0
        if '--resume' in flags:
            with open(osp.join(work_dir, 'last_checkpoint')) as f:
                start = int(re.search(r'epoch_(\d+)', f.read()).group(1))
        logs = osp.join(work_dir, f'20260101_{next(_STAMPS):06d}',
                        'vis_data')
        os.makedirs(logs)
        dies = self.dies_after(stem, seed)
        with open(osp.join(logs, 'scalars.json'), 'w') as scalars:
            for epoch in range(start + 1, epochs + 1):
                if dies is not None and epoch == dies + 1:
                    # killed in the middle of the epoch after
                    self._epoch(scalars, stem, seed, epoch, epochs, interval,
                                ITERS_PER_EPOCH // 2)
                    raise RuntimeError(f'training {config} failed (exit 1); '
                                       'last log lines:\nKilled')
                self._epoch(scalars, stem, seed, epoch, epochs, interval)
                self._checkpoint(work_dir, epoch)
        return 1.0

    def _epoch(self, scalars, stem, seed, epoch, epochs, interval,
               iterations=ITERS_PER_EPOCH):
        first = (epoch - 1) * ITERS_PER_EPOCH
        for inner in range(LOG_INTERVAL, iterations + 1, LOG_INTERVAL):
            scalars.write(json.dumps(dict(
                lr=1e-3, loss=1.0 / (first + inner),
                time=self.step_time(stem), data_time=0.01, epoch=epoch,
                iter=first + inner, step=first + inner)) + '\n')
        if iterations == ITERS_PER_EPOCH and (epoch % interval == 0
                                              or epoch == epochs):
            ap = self.ap(stem, seed, epoch / epochs)
            scalars.write(json.dumps({
                'coco/AP': ap, 'coco/AP .5': min(1.0, 2 * ap),
                'coco/AR': ap + 0.05, 'PCK': 0.5 + ap, 'time': 0.3,
                'step': epoch}) + '\n')

    @staticmethod
    def _checkpoint(work_dir, epoch):
        checkpoint = osp.join(work_dir, f'epoch_{epoch}.pth')
        open(checkpoint, 'w').close()
        previous = osp.join(work_dir, f'epoch_{epoch - 1}.pth')
        if osp.isfile(previous):
            os.remove(previous)
        with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
            f.write(checkpoint)
