"""Validate the resumed checkpoint's epoch when its validation was lost.

MMEngine saves an epoch's checkpoint (``CheckpointHook.after_train_epoch``)
before that epoch's validation runs. A run stopped in between - killed,
preempted, out of time - resumes after the checkpoint and never validates
that epoch: its learning curve has a hole, and a run stopped in its final
validation resumes to no result at all. :class:`ResumeValidationHook`
closes the hole: before the resumed training continues, it looks for the
validation of the checkpoint's epoch (or iteration) in the work dir's
scalar logs (``<timestamp>/vis_data/scalars.json``) and runs the validation
loop when that epoch was due one and none was logged.

``tools/train.py --resume`` adds it. A run that was not resumed, has no
validation loop, or whose checkpoint's epoch was not due a validation is
left alone; so is a work dir without scalar logs (nothing to tell a lost
validation from a logged one; the hook says so). Iteration-based runs work
the same way by iteration when their ``LoggerHook`` logs metrics by
iteration (``log_metric_by_epoch=False``, as their validations need to be
told apart at all).
"""
import json
from typing import Iterable, Optional

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook, LoggerHook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from mmpose_kd.registry import HOOKS
from mmpose_kd.utils.scalar_logs import scalars_files


def logged_validation_steps(paths: Iterable[str]) -> set:
    """The ``step`` of every validation record in MMEngine scalar logs.

    Training records carry ``iter`` (MMEngine's log processor adds it to
    every training log); validation records do not. A line that is not
    JSON (a run killed while writing it) is skipped, where
    :func:`mmpose_kd.utils.scalar_logs.read_records` would raise: a resume
    is exactly when such a line is expected.
    """
    steps = set()
    for path in paths:
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and 'iter' not in record \
                        and 'step' in record:
                    steps.add(record['step'])
    return steps


@HOOKS.register_module()
class ResumeValidationHook(Hook):
    """Run the validation a resumed checkpoint's epoch missed.

    Example:
        >>> custom_hooks = [dict(type='mmpose_kd.ResumeValidationHook')]

    (``tools/train.py --resume`` adds it by itself.)
    """

    priority = 'LOWEST'  # after every other hook has set up the run

    def before_train(self, runner) -> None:
        position = self._missed_validation(runner) if is_main_process() \
            else None
        shared = [position]
        broadcast_object_list(shared)
        if shared[0] is None:
            return
        print_log(f'ResumeValidationHook: the checkpoint at {shared[0]} was '
                  'saved but its validation was never logged (the run '
                  'stopped in between); validating it before training on.',
                  logger='current')
        runner.val_loop.run()

    def _missed_validation(self, runner) -> Optional[str]:
        """``'epoch N'``/``'iteration N'`` when the resumed checkpoint was
        due a validation that no scalar log holds; ``None`` otherwise."""
        loop = runner.train_loop
        if runner.val_loop is None or not hasattr(loop, 'val_interval'):
            return None
        by_epoch = not isinstance(loop, IterBasedTrainLoop)
        position = runner.epoch if by_epoch else runner.iter
        if position <= 0:  # a fresh start, or weights loaded without resume
            return None
        if hasattr(loop, '_decide_current_val_interval'):
            loop._decide_current_val_interval()  # dynamic_intervals
        end = loop.max_epochs if by_epoch else loop.max_iters
        due = position >= loop.val_begin and (
            position % loop.val_interval == 0 or position == end)
        if not due:
            return None
        logs = scalars_files(runner.work_dir)
        if not logs:
            print_log('ResumeValidationHook: no scalars.json in '
                      f'{runner.work_dir!r} (LocalVisBackend off?); cannot '
                      'tell whether the resumed checkpoint was validated, '
                      'so it is not validated again.', logger='current')
            return None
        logger_hooks = [hook for hook in runner.hooks
                        if isinstance(hook, LoggerHook)]
        by_epoch_steps = logger_hooks[0].log_metric_by_epoch \
            if logger_hooks else True
        step = runner.epoch if by_epoch_steps else runner.iter
        if step in logged_validation_steps(logs):
            return None
        return f'{"epoch" if by_epoch else "iteration"} {position}'
