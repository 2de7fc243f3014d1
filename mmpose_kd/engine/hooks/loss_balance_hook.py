"""The hook that measures how hard each loss term pulls on the student.

At the first and the last of ``iters`` training iterations it takes, on that
iteration's batch, the gradient norm of every loss term on the student's
parameters (the whole student and its backbone), then stops the run.
:func:`mmpose_kd.analysis.loss_balance.measure` drives it; terms are taken
as they enter the total loss, i.e. with their current (scheduled) weight.

Task loss: the student's own losses (``student.*``) for a
:class:`~mmpose_kd.models.PoseDistiller`; the deployed regression branch's
``loss_regression`` for an OCD model; else every non-distillation term.
"""
import math
from typing import Dict, List

import torch
from mmengine.hooks import Hook

from mmpose_kd.registry import HOOKS


def is_distillation_term(key: str) -> bool:
    """Whether a loss key is a distillation term (``distill.*``, OCD)."""
    return key.startswith('distill.') or key.startswith('loss_ocd')


def task_terms(keys: List[str]) -> List[str]:
    """The loss keys that make up the student's task loss."""
    losses = [k for k in keys if 'loss' in k]
    student = [k for k in losses if k.startswith('student.')]
    if student:
        return student
    if 'loss_regression' in losses:
        return ['loss_regression']
    return [k for k in losses if not is_distillation_term(k)]


def _student(model):
    return getattr(model, 'student', model)


def gradient_norms(model, data_batch) -> Dict[str, Dict[str, float]]:
    """Per-term gradient norms on one batch (no parameter is updated).

    Returns ``{term: {'student': norm, 'backbone': norm}}`` with the summed
    task loss as ``'task'``.
    """
    student = _student(model)
    groups = {
        'student': [p for p in student.parameters() if p.requires_grad],
        'backbone': [p for p in student.backbone.parameters()
                     if p.requires_grad],
    }
    data = model.data_preprocessor(data_batch, True)
    losses = model(**data, mode='loss')
    keys = [k for k, v in losses.items()
            if 'loss' in k and torch.is_tensor(v) and v.requires_grad]
    terms = {k: losses[k] for k in keys if is_distillation_term(k)}
    terms['task'] = sum(losses[k] for k in task_terms(keys))
    norms = {}
    for name, value in terms.items():
        grads = torch.autograd.grad(value, groups['student'],
                                    retain_graph=True, allow_unused=True)
        by_param = {id(p): g for p, g in zip(groups['student'], grads)}
        norms[name] = {
            group: math.sqrt(sum(
                float(by_param[id(p)].pow(2).sum()) for p in params
                if by_param[id(p)] is not None))
            for group, params in groups.items()
        }
    model.zero_grad(set_to_none=True)
    return norms


class StopTraining(Exception):
    """Stops the run after the last measured iteration."""


@HOOKS.register_module()
class LossBalanceHook(Hook):
    """Measure :func:`gradient_norms` at the first and last iteration.

    Runs after :class:`DistillLossWeightHook` (priority ``'LOW'``), so the
    weights are those the step trains with; stops the run after ``iters``.

    Args:
        iters (int): Iterations to train; the gradient norms are measured at
            the first and the last of them.
    """

    priority = 'LOW'

    def __init__(self, iters: int):
        self.iters = iters
        self.results: Dict[str, dict] = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        stage = {0: 'start', self.iters - 1: 'end'}.get(runner.iter)
        if stage is not None:
            model = runner.model.module if hasattr(runner.model, 'module') \
                else runner.model
            self.results[stage] = dict(
                iter=runner.iter + 1,
                norms=gradient_norms(model, data_batch))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 >= self.iters:
            raise StopTraining()
