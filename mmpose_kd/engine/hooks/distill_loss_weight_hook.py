"""Schedule the weights of distillation losses over training."""
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmpose_kd.registry import HOOKS
from mmpose_kd.utils.module_paths import get_submodule
from .weight_schedules import check_schedule, schedule_factor


@HOOKS.register_module()
class DistillLossWeightHook(Hook):
    """Set ``loss_weight`` of loss modules from a schedule before each step.

    Any module with a ``loss_weight`` attribute can be scheduled, addressed
    by its path in the model: ``'distill_losses.loss_logit'`` in a
    :class:`PoseDistiller`, ``'head.coord_distill'`` inside a
    cross-representation head. The configured weight is the base; the
    schedule multiplies it. The current weight is logged as
    ``weight/<path>``.

    Args:
        schedules (dict): ``module path -> dict(type=..., **args)`` with the
            arguments of :func:`schedule_factor`; ``end`` defaults to the
            run's ``max_iters``. With ``by_epoch=True`` ``begin``/``end``/
            ``milestones`` count epochs and are converted to iterations;
            with ``by_fraction=True`` they are fractions of the run
            (``end=0.2``: the first 20% of its iterations), so the schedule
            stretches with the run (``--epochs``, ``--scale``).
        by_epoch (bool): Whether the schedule arguments count epochs.
        by_fraction (bool): Whether they are fractions of the run, in
            [0, 1]. Not with ``by_epoch``.
        per_epoch (bool): Hold each epoch's factor (the schedule's value at
            the epoch's first iteration) for the whole epoch instead of
            updating it every iteration: a linear 1 -> 0 over the run is
            then DWPose's ``1 - epoch / max_epochs``, which keeps the full
            weight through a one-epoch run. Needs an epoch-based loop.

    Example:
        >>> dict(type='mmpose_kd.DistillLossWeightHook', schedules={
        ...     'distill_losses.loss_logit': dict(
        ...         type='linear', start_factor=1.0, end_factor=0.1)})
    """

    priority = 'NORMAL'

    def __init__(self,
                 schedules: Dict[str, dict],
                 by_epoch: bool = False,
                 by_fraction: bool = False,
                 per_epoch: bool = False):
        if not isinstance(schedules, dict) or not schedules:
            raise ValueError('DistillLossWeightHook: `schedules` must be a '
                             'non-empty dict of module path -> schedule.')
        if by_epoch and by_fraction:
            raise ValueError('DistillLossWeightHook: `by_epoch` and '
                             '`by_fraction` cannot both be True.')
        for path, cfg in schedules.items():
            check_schedule(f'DistillLossWeightHook: `schedules.{path}`',
                           cfg, by_fraction, by_epoch)
        self.schedules = schedules
        self.by_epoch = by_epoch
        self.by_fraction = by_fraction
        self.per_epoch = bool(per_epoch)
        self._base_weights: Optional[Dict[str, float]] = None

    def _resolve(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        modules = {}
        for path in self.schedules:
            module = get_submodule(model, path, f'schedules.{path}')
            if not hasattr(module, 'loss_weight'):
                raise ValueError(
                    f'DistillLossWeightHook: `schedules.{path}`: '
                    f'{type(module).__name__} has no `loss_weight`.')
            modules[path] = module
        return modules

    def _check_run_length(self, runner) -> None:
        """Refuse a schedule that does not fit in this run: a ramp that
        ends after the last iteration (a warm-up longer than the run), or
        one that rounds to no iteration at all."""
        for path, cfg in self.schedules.items():
            args = self._args(cfg, runner.max_iters)
            field = f'DistillLossWeightHook: `schedules.{path}`'
            unit = 'fractions of' if self.by_fraction else \
                'epochs of' if self.by_epoch else 'iterations of'
            end, begin = args.get('end'), args.get('begin', 0)
            if end is not None and end > runner.max_iters:
                raise ValueError(
                    f'{field}: `end`={cfg.get("end")} ends after the run '
                    f'({unit} a run of {runner.max_iters} iterations): the '
                    'weight would never reach `end_factor`. Shorten it, or '
                    'give it as a fraction of the run (by_fraction=True).')
            if cfg['type'] in ('linear', 'cosine') and end <= begin:
                raise ValueError(
                    f'{field}: begin={cfg.get("begin", 0)}, '
                    f'end={cfg.get("end")} ({unit} a run of '
                    f'{runner.max_iters} iterations) round to an empty ramp '
                    f'(iterations {begin} to {end}): lengthen it or the run.')

    def before_train(self, runner) -> None:
        self._modules = self._resolve(runner)
        if self._base_weights is None:
            self._base_weights = {
                path: float(m.loss_weight) for path, m in self._modules.items()
            }
        self._iters_per_epoch = max(len(runner.train_dataloader), 1) \
            if self.by_epoch else 1
        if self.per_epoch and not getattr(runner.train_loop, 'max_epochs',
                                          None):
            raise ValueError('DistillLossWeightHook: `per_epoch=True` needs '
                             'an epoch-based training loop, got '
                             f'{type(runner.train_loop).__name__}.')
        self._check_run_length(runner)

    def _args(self, cfg: dict, max_iters: int) -> dict:
        scale = max_iters if self.by_fraction else self._iters_per_epoch
        args = {k: v for k, v in cfg.items() if k != 'type'}
        for key in ('begin', 'end'):
            if args.get(key) is not None:
                args[key] = round(args[key] * scale)
        if 'milestones' in args:
            args['milestones'] = [round(m * scale)
                                  for m in args['milestones']]
        if args.get('end') is None and cfg['type'] in ('linear', 'cosine'):
            args['end'] = max_iters
        return args

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        iteration = runner.iter
        if self.per_epoch:
            iteration = runner.epoch * max(len(runner.train_dataloader), 1)
        for path, module in self._modules.items():
            cfg = self.schedules[path]
            factor = schedule_factor(
                cfg['type'], iteration, **self._args(cfg, runner.max_iters))
            module.loss_weight = self._base_weights[path] * factor
            runner.message_hub.update_scalar(f'train/weight/{path}',
                                             module.loss_weight)
