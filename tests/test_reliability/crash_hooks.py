"""Hooks that simulate crashes inside a training subprocess (tests only).

Imported by test configs through ``custom_imports``; registered in
MMEngine's root hook registry so no plugin scope is touched.
"""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module(force=True)
class KillAtIterHook(Hook):
    """SIGKILL the training process after iteration ``iteration`` - no
    clean-up, no final checkpoint, as a pre-empted job ends."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
