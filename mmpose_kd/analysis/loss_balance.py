"""How hard each loss term pulls on the student, relative to its task loss.

Distillation weights chosen by loss value can leave one term's gradient tens
of times the task loss's (docs/ikd.md, docs/crd.md). This trains a config for
a few iterations with its own runner, hooks and weight schedules, and at the
first and the last iteration measures, on that iteration's batch, the
gradient norm of every loss term on the student's parameters (the whole
student and its backbone) and its ratio to the task loss's. Terms are taken
as they enter the total loss, i.e. with their current (scheduled) weight: a
term in a warm-up from 0 reads 0 at the start.

The measuring hook is
:class:`~mmpose_kd.engine.hooks.loss_balance_hook.LossBalanceHook`; the
command line is ``tools/analysis/loss_balance.py``.
"""
import copy
import math
from typing import Dict, List

from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_kd.engine.hooks.loss_balance_hook import (LossBalanceHook,
                                                      StopTraining)
from mmpose_kd.utils.markdown import markdown_table

#: Ratio band the shipped recipes keep every distillation term in.
BALANCE_BAND = (0.3, 3.0)


def measure(cfg: Config, iters: int,
            schedules: bool = True) -> Dict[str, dict]:
    """Train ``cfg`` for ``iters`` iterations and return the measurements
    ``{'start'|'end': {'iter': i, 'norms': {term: {group: norm}}}}``.

    With ``schedules=False`` the config's :class:`DistillLossWeightHook` is
    dropped, so every term is measured (and trained) at its configured base
    weight: what a term in a warm-up from 0 will pull once the warm-up ends.
    """
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
    if not schedules:
        cfg.custom_hooks = [h for h in cfg.custom_hooks if
                            'DistillLossWeightHook' not in str(h.get('type'))]
    runner = Runner.from_cfg(cfg)
    hook = LossBalanceHook(iters)
    runner.register_hook(hook)
    try:
        runner.train()
    except StopTraining:
        pass
    return hook.results


def reaches_backbone_only(norms: Dict[str, float]) -> bool:
    """Whether a term's whole gradient on the student lies in its backbone
    (a feature or pixel-pair term): then only its backbone ratio is judged,
    since the task's whole-student norm is mostly the head's."""
    return norms['student'] > 0 and math.isclose(
        norms['student'], norms['backbone'], rel_tol=1e-6)


def ratios(results: Dict[str, dict]) -> List[dict]:
    """Rows ``{stage, iter, term, group, norm, task_norm, ratio, judged}``.

    ``judged`` is False for the whole-student row of a term that reaches
    only the backbone (:func:`reaches_backbone_only`).
    """
    rows = []
    for stage, result in results.items():
        task = result['norms']['task']
        for term, norms in result['norms'].items():
            if term == 'task':
                continue
            backbone_only = reaches_backbone_only(norms)
            for group, norm in norms.items():
                rows.append(dict(
                    stage=stage, iter=result['iter'], term=term,
                    group=group, norm=norm, task_norm=task[group],
                    ratio=norm / task[group] if task[group] else math.inf,
                    judged=not (backbone_only and group == 'student')))
    return rows


def _flag(row: dict) -> str:
    if not row.get('judged', True):
        return ' (backbone-only term: judged on backbone)'
    if row['norm'] == 0:
        return ' (off: weight 0, e.g. in a warm-up)'
    if BALANCE_BAND[0] <= row['ratio'] <= BALANCE_BAND[1]:
        return ''
    return ' (outside 0.3-3)'



def format_table(rows: List[dict]) -> str:
    """A Markdown table of :func:`ratios` rows."""
    return '\n'.join(markdown_table(
        ('stage', 'iter', 'term', 'params', 'grad norm', 'task grad norm',
         'ratio'),
        ((r['stage'], r['iter'], r['term'], r['group'], f"{r['norm']:.3g}",
          f"{r['task_norm']:.3g}", f"{r['ratio']:.2f}{_flag(r)}") for r in rows)))
