"""How hard each loss term pulls on the student, relative to its task loss.

Distillation weights chosen by loss value can leave one term's gradient tens
of times the task loss's (docs/ikd.md, docs/crd.md). This trains a config for
a few iterations with its own runner, hooks and weight schedules, and at the
first and the last iteration measures, on that iteration's batch, the
gradient norm of every loss term on the student's parameters (the whole
student and its backbone) and its ratio to the task loss's. Terms are taken
as they enter the total loss, i.e. with their current (scheduled) weight: a
term in a warm-up from 0 reads 0 at the start.

Task loss: the student's own losses (``student.*``) for a
:class:`~mmpose_kd.models.PoseDistiller`; the deployed regression branch's
``loss_regression`` for an OCD model; else every non-distillation term.
"""
import argparse
import copy
import math
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmpose_kd.registry import HOOKS

#: Ratio band the shipped recipes keep every distillation term in.
BALANCE_BAND = (0.3, 3.0)


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


class _Done(Exception):
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
            raise _Done()


def measure(cfg: Config, iters: int) -> Dict[str, dict]:
    """Train ``cfg`` for ``iters`` iterations and return the measurements
    ``{'start'|'end': {'iter': i, 'norms': {term: {group: norm}}}}``."""
    if isinstance(iters, bool) or not isinstance(iters, int) or iters < 1:
        raise ValueError(f'`iters` must be an int >= 1, got {iters!r}.')
    cfg = copy.deepcopy(cfg)
    cfg.val_cfg = None
    cfg.val_dataloader = None
    cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks = dict(cfg.get('default_hooks') or {},
                             checkpoint=None)
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if 'Checkpoint' not in str(h.get('type'))]
    runner = Runner.from_cfg(cfg)
    hook = LossBalanceHook(iters)
    runner.register_hook(hook)
    try:
        runner.train()
    except _Done:
        pass
    return hook.results


def ratios(results: Dict[str, dict]) -> List[dict]:
    """Rows ``{stage, iter, term, group, norm, task_norm, ratio}``."""
    rows = []
    for stage, result in results.items():
        task = result['norms']['task']
        for term, norms in result['norms'].items():
            if term == 'task':
                continue
            for group, norm in norms.items():
                rows.append(dict(
                    stage=stage, iter=result['iter'], term=term,
                    group=group, norm=norm, task_norm=task[group],
                    ratio=norm / task[group] if task[group] else math.inf))
    return rows


def format_table(rows: List[dict]) -> str:
    """A Markdown table of :func:`ratios` rows."""
    lines = ['| stage | iter | term | params | grad norm | task grad norm |'
             ' ratio |', '|---|---|---|---|---|---|---|']
    for r in rows:
        flag = '' if BALANCE_BAND[0] <= r['ratio'] <= BALANCE_BAND[1] \
            else ' (outside 0.3-3)'
        lines.append(f"| {r['stage']} | {r['iter']} | {r['term']} | "
                     f"{r['group']} | {r['norm']:.3g} | "
                     f"{r['task_norm']:.3g} | {r['ratio']:.2f}{flag} |")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> List[dict]:
    parser = argparse.ArgumentParser(
        description='Gradient norm of each loss term on the student, and '
        'its ratio to the task loss, at the first and last of N training '
        'iterations.')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--iters', type=int, default=50,
                        help='training iterations (default 50)')
    parser.add_argument('--work-dir', default='work_dirs/loss_balance',
                        help='directory for the run\'s logs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. '
                        'model.teacher_ckpt=TEACHER.pth')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir
    rows = ratios(measure(cfg, args.iters))
    print(format_table(rows))
    return rows
