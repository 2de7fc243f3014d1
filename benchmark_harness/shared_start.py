"""One initial draw per seed, loaded by every method of a group.

A seed pairs mmpose_kd's recipes (the distiller draws its student as the
student alone does), but not MMPose's DWPoseDistiller, which builds its
teacher first and so draws its student and connector from another point of
the random stream. For groups listed in :data:`.methods.SHARED_STARTS` the
harness draws the student and connector once per seed, from one recipe,
and writes that draw under each method's own parameter names into a
checkpoint the run gets as ``load_from`` (MMEngine loads it after
``init_weights``, the teacher keeping its own checkpoint):

- the student's tensors are keyed ``student.<name>`` in a distiller and
  ``<name>`` in the student alone;
- the remaining tensors (connectors) of a distiller are matched in
  state-dict order, as many as the draw holds, each with the shape it
  replaces (the student alone has none): DWPose's ``distill_losses.loss_fea.align``
  takes ``distill_losses.loss_fea.connector.conv.conv``.

Every tensor of a method outside its teacher must come from the draw, or
:class:`StartMismatch` names what is missing; so a run either starts from
the shared draw or does not start.
"""
import copy
import os
import os.path as osp
from typing import Dict, List, Tuple

import torch

from .epoch_budget import load_config
from .quiet_init import init_weights_quietly

STUDENT = 'student.'
TEACHER = 'teacher.'


class StartMismatch(ValueError):
    """A method's parameters cannot all be taken from the shared draw."""


def build_untrained(config: str) -> torch.nn.Module:
    """``config``'s model without any checkpoint loaded (a distiller's
    teacher keeps its random initialisation, without the warning)."""
    from mmpose_kd.analysis.complexity import build_model
    cfg = copy.deepcopy(load_config(config))
    if 'teacher_pretrained' in cfg.model:  # MMPose's DWPoseDistiller
        cfg.model.teacher_pretrained = None
    return build_model(cfg)


def own_state(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """The model's state outside its teacher."""
    return {key: value.detach().clone()
            for key, value in model.state_dict().items()
            if not key.startswith(TEACHER)}


def draw(config: str, seed: int) -> Dict[str, torch.Tensor]:
    """The student and connectors of ``config`` as ``init_weights`` draws
    them after ``set_random_seed(seed)``."""
    from mmengine.runner import set_random_seed
    set_random_seed(seed)
    model = build_untrained(config)
    init_weights_quietly(model)
    return own_state(model)


def split(state: Dict[str, torch.Tensor]
          ) -> Tuple[Dict[str, torch.Tensor], List[Tuple[str, torch.Tensor]]]:
    """``(student, rest)``: the student's tensors by their names inside
    the student, and every other tensor in state-dict order."""
    if not any(key.startswith(STUDENT) for key in state):
        return dict(state), []
    student = {key[len(STUDENT):]: value for key, value in state.items()
               if key.startswith(STUDENT)}
    rest = [(key, value) for key, value in state.items()
            if not key.startswith(STUDENT)]
    return student, rest


def for_method(start: Dict[str, torch.Tensor],
               target: Dict[str, torch.Tensor],
               method: str) -> Dict[str, torch.Tensor]:
    """``start`` written under ``target``'s names (see the module's text);
    :class:`StartMismatch` naming ``method`` and the tensors it lacks."""
    start_student, start_rest = split(start)
    target_student, target_rest = split(target)
    distiller = any(key.startswith(STUDENT) for key in target)
    prefix = STUDENT if distiller else ''
    problems = []
    state = {}
    for name, value in target_student.items():
        source = start_student.get(name)
        if source is None or source.shape != value.shape:
            problems.append(f'{prefix}{name} {tuple(value.shape)}')
        else:
            state[prefix + name] = source
    if target_rest and len(start_rest) != len(target_rest):
        problems.append(
            f'{len(target_rest)} tensors outside the student '
            f'({", ".join(k for k, _ in target_rest) or "none"}) against '
            f'the draw\'s {len(start_rest)} '
            f'({", ".join(k for k, _ in start_rest) or "none"})')
    else:
        for (name, value), (source_name, source) in zip(target_rest,
                                                        start_rest):
            if source.shape != value.shape:
                problems.append(f'{name} {tuple(value.shape)} against the '
                                f'draw\'s {source_name} '
                                f'{tuple(source.shape)}')
            else:
                state[name] = source
    if problems:
        raise StartMismatch(
            f'{method}: the shared start cannot set '
            f'{"; ".join(problems[:5])}'
            + (f'; and {len(problems) - 5} more' if len(problems) > 5
               else ''))
    return state


def write(start_config: str, seed: int, config: str, path: str,
          method: str, cache: Dict[Tuple[str, int], dict] = None) -> str:
    """Write the draw of ``start_config`` at ``seed`` under ``config``'s
    names to ``path`` (a checkpoint MMEngine's ``load_from`` reads);
    ``cache`` keeps draws between the methods of one seed."""
    cache = {} if cache is None else cache
    if (start_config, seed) not in cache:
        cache[start_config, seed] = draw(start_config, seed)
    state = for_method(cache[start_config, seed],
                       own_state(build_untrained(config)), method)
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(state_dict=state,
                    meta=dict(shared_start=osp.basename(start_config),
                              seed=seed)), path)
    return path
