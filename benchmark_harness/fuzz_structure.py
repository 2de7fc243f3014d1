"""Structural mutations of a distiller config (see fuzz_mutations.py).

Each breaks the student/teacher pairing rather than one value: the two
models exchanged, keypoint counts that differ, a loss tapping a module the
model does not have, or reading an output it does not produce.
"""
from typing import Callable, List

from .fuzz_mutations import Mutation
from .fuzz_setup import base_type

TAPS = ('student_input', 'teacher_input')
#: Head arguments holding the keypoint count.
KEYPOINT_ARGS = ('out_channels', 'num_joints', 'num_keypoints')
MISSING_MODULES = ('backbone.layer9', 'neck', 'head.final_conv',
                   'backbone.layer4.5')


def _inline(model: dict, part: str) -> dict:
    """``model[part]`` as a dict (a config path is resolved into one)."""
    from mmpose_kd.model_parts.model_config import resolve_model_cfg
    if isinstance(model[part], str):
        model[part] = resolve_model_cfg(model[part], part).to_dict()
    return model[part]


def _swap(cfg, rng) -> Mutation:
    model = cfg['model']
    model['student'], model['teacher'] = model['teacher'], model['student']
    return Mutation('structural', 'model.student', 'student and teacher '
                    'exchanged', ('student', 'teacher', 'teacher_ckpt'),
                    invalid=True)


def _keypoints(cfg, rng) -> Mutation:
    part = rng.choice(('student', 'teacher'))
    head = _inline(cfg['model'], part).get('head', {})
    key = next((k for k in KEYPOINT_ARGS if k in head), None)
    if key is None:  # a composite head: its regression branch's count
        head = head.get('regression', head)
        key = next(k for k in KEYPOINT_ARGS if k in head)
    head[key] = max(1, head[key] - 3)
    return Mutation('structural', f'model.{part}.head.{key}',
                    f'{part} head predicts {head[key]} keypoints',
                    (f'{part}.head', key, 'keypoint'), invalid=True)


def _tap_edit(name: str, tap: str, spec: str, what: str,
              invalid: bool = True) -> Callable:
    def apply(cfg, rng):
        cfg['model']['distill_losses'][name][tap] = spec
        path = f'model.distill_losses.{name}.{tap}'
        return Mutation('structural', path, f'{path} = {spec!r} ({what})',
                        (tap, spec), invalid=invalid)
    return apply


def _incompatible_loss(loss_type: str) -> Callable:
    """A loss that cannot read the student's head output (heatmaps,
    coordinates or SimCC vectors)."""
    def apply(cfg, rng):
        cfg['model']['distill_losses']['loss_fuzz'] = dict(type=loss_type)
        return Mutation('structural', 'model.distill_losses.loss_fuzz',
                        f'a {loss_type} added', ('loss_fuzz', loss_type),
                        invalid=True)
    return apply


def structural_edits(model: dict) -> List[Callable]:
    """The structural mutations that apply to the distiller ``model``."""
    edits = [_swap, _keypoints]
    losses = model.get('distill_losses') or {}
    for name, loss in losses.items():
        for tap in TAPS:
            current = loss.get(tap, 'preds')
            edits.append(_tap_edit(name, tap, MISSING_MODULES[
                len(name) % len(MISSING_MODULES)], 'no such module'))
            edits.append(_tap_edit(name, tap, 'backbone[7]',
                                   'output index out of range'))
            other = 'backbone' if current in ('preds', 'head') else 'preds'
            # may be meaningful (a loss comparing any two maps): may train
            edits.append(_tap_edit(name, tap, other, 'another output',
                                   invalid=False))
    codec = _student_codec(model)
    if 'SimCC' not in codec:
        edits.append(_incompatible_loss('mmpose_kd.SimCCLogitDistillLoss'))
    if 'Heatmap' in codec:
        edits.append(_incompatible_loss('mmpose_kd.CoordDistillLoss'))
    else:
        edits.append(_incompatible_loss('mmpose_kd.HeatmapLogitDistillLoss'))
    return edits


def _student_codec(model: dict) -> str:
    """The type of the student head's codec, which says what the head
    outputs (heatmaps, SimCC vectors or coordinates)."""
    from mmpose_kd.model_parts.model_config import resolve_model_cfg
    student = model['student']
    if isinstance(student, str):
        student = resolve_model_cfg(student, 'student')
    head = student.get('head', {})
    head = head.get('regression', head)  # a cross-representation head
    return str((head.get('decoder') or {}).get('type', ''))

