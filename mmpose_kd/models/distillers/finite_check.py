"""What a NaN/Inf loss term does in a distillation step.

:class:`~mmpose_kd.models.distillers.PoseDistiller`'s ``check_finite``
either stops training before the optimizer step (``'raise'``) or drops the
step (``'skip'``); both name the offending terms and the iteration.
"""
from typing import Dict, List

import torch
from mmengine.logging import print_log
from torch import Tensor

#: ``check_finite`` values and the mode each means.
CHECK_FINITE_MODES = {True: 'raise', False: 'off', 'raise': 'raise',
                      'skip': 'skip', 'off': 'off'}


def check_finite_mode(value) -> str:
    """The mode ``value`` means; ``'skip'`` is refused under DDP."""
    if not isinstance(value, (bool, str)) or value not in CHECK_FINITE_MODES:
        raise ValueError(
            f'`check_finite` must be True/\'raise\', \'skip\' or '
            f'False/\'off\', got {value!r}.')
    mode = CHECK_FINITE_MODES[value]
    if mode == 'skip':
        from mmengine.dist import get_world_size
        if get_world_size() > 1:
            raise ValueError(
                "`check_finite='skip'` is single-process only: under "
                'DDP every rank must take the same optimizer steps. Use '
                "check_finite='raise' for distributed runs.")
    return mode


def nonfinite_terms(losses: Dict[str, Tensor]) -> List[str]:
    """``'name=value'`` of every NaN/Inf loss term (one host sync)."""
    terms = {k: v for k, v in losses.items()
             if 'loss' in k and isinstance(v, Tensor)}
    if not terms:
        return []
    sums = torch.stack([v.detach().float().sum() for v in terms.values()])
    if bool(torch.isfinite(sums).all()):  # one host sync per step
        return []
    return [f'{k}={v.detach().float().sum().item()}'
            for k, v in terms.items()
            if not torch.isfinite(v.detach().float().sum())]


def current_iteration():
    from mmengine.logging import MessageHub
    return MessageHub.get_current_instance().get_info('iter')


def raise_if_not_finite(losses: Dict[str, Tensor]) -> None:
    """Raise naming every NaN/Inf loss term and the current iteration."""
    bad = nonfinite_terms(losses)
    if not bad:
        return
    raise FloatingPointError(
        f'non-finite distillation loss at iteration {current_iteration()}: '
        f'{", ".join(bad)}. Training stopped before the optimizer step so '
        'the last checkpoint stays valid; lower the learning rate or the '
        'weight of that term, or set `check_finite=\'skip\'` to drop such '
        'steps.')


def train_step_skipping_nonfinite(model, data,
                                  optim_wrapper) -> Dict[str, Tensor]:
    """``model``'s training step in ``check_finite='skip'`` mode: a step
    whose loss is not finite is dropped before backward and leaves
    parameters, optimizer state and buffers (the teacher's too, which move
    under ``teacher_norm='batch'``) as they were; ``model.nonfinite_skips``
    counts the dropped steps and is logged."""
    # BN statistics move in the forward; a dropped step restores them.
    teacher = getattr(model, 'teacher', None)
    buffers = [*model.buffers(),
               *(teacher.buffers() if teacher is not None else ())]
    saved = [buffer.detach().clone() for buffer in buffers]
    with optim_wrapper.optim_context(model):
        data = model.data_preprocessor(data, True)
        losses = model._run_forward(data, mode='loss')
    bad_terms = nonfinite_terms(losses)
    if bad_terms:
        model.nonfinite_skips += 1
        print_log(
            f'non-finite distillation loss at iteration '
            f'{current_iteration()}: {", ".join(bad_terms)}; step '
            f'skipped ({model.nonfinite_skips} so far).',
            logger='current', level=30)
        optim_wrapper.zero_grad()
        with torch.no_grad():
            for buffer, value in zip(buffers, saved):
                buffer.copy_(value)
        return {'nonfinite_skips': torch.tensor(float(model.nonfinite_skips))}
    parsed_losses, log_vars = model.parse_losses(losses)
    optim_wrapper.update_params(parsed_losses)
    log_vars['nonfinite_skips'] = torch.tensor(float(model.nonfinite_skips))
    return log_vars
