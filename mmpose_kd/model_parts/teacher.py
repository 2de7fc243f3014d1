"""The frozen teacher of a distiller: its weights and its forward.

The teacher runs ``extract_feat`` + ``head.forward`` under ``no_grad``,
optionally in reduced precision or channels-last memory format, and hands
its recorded outputs back as float32 tensors.
"""
import contextlib
from typing import Dict, Mapping, Optional

import torch
from mmengine.logging import print_log
from torch import Tensor, nn

from mmpose_kd.utils.checkpoint import (STUDENT_PREFIX, extract_state_dict,
                                        is_distiller_state_dict,
                                        load_state_dict_checked,
                                        safe_load_checkpoint)
from mmpose_kd.utils.output_recorder import record_outputs
from mmpose_kd.utils.precision import as_float32, autocast_dtype
from .model_pair import check_pair

#: ``teacher_dtype`` values. ``'auto'`` (None) follows the autocast in
#: effect: the optimizer wrapper's under mixed-precision training
#: (``CPUAmpOptimWrapper``, ``AmpOptimWrapper``), float32 otherwise.
#: ``'float32'`` runs the teacher in float32 even then.
TEACHER_DTYPES = {'auto': None, 'float32': torch.float32,
                  'bfloat16': torch.bfloat16, 'float16': torch.float16}


def load_teacher_weights(teacher: torch.nn.Module, path: str,
                         allow_unsafe: bool = False) -> None:
    """Load ``teacher_ckpt`` into ``teacher`` (weights-only; every weight
    of the teacher must be in the file, with its shape; extra keys are
    ignored; MMPose 0.x key names are converted as MMPose does).

    A distiller's runner checkpoint is accepted: its student becomes the
    teacher, and a log line says so, since that is rarely an accident but
    never what the file's name suggests.
    """
    checkpoint = safe_load_checkpoint(
        path, allow_unsafe=allow_unsafe, field='teacher_ckpt')
    if is_distiller_state_dict(extract_state_dict(checkpoint)):
        print_log(
            f'teacher_ckpt {path!r} is a distiller checkpoint: its student '
            f'(the `{STUDENT_PREFIX}*` weights) is loaded as the teacher.',
            logger='current', level=30)
    # Every teacher weight must come from the file: a teacher with, say,
    # a randomly initialised head would teach noise without a word.
    load_state_dict_checked(
        teacher, extract_state_dict(checkpoint, prefix='student'), path,
        field='teacher_ckpt', min_match=1.0)


def build_frozen_teacher(teacher: nn.Module, student: nn.Module,
                         checkpoint: Optional[str] = None,
                         allow_unsafe: bool = False,
                         channels_last: bool = False) -> nn.Module:
    """Check ``teacher`` against ``student``, load its checkpoint and
    freeze it (no gradients, eval mode)."""
    check_pair(student, teacher)
    if checkpoint is not None:
        load_teacher_weights(teacher, checkpoint, allow_unsafe)
    teacher.requires_grad_(False)
    teacher.eval()
    if channels_last:
        teacher.to(memory_format=torch.channels_last)
    return teacher


def run_teacher(teacher: nn.Module, inputs: Tensor,
                taps: Mapping[str, nn.Module],
                dtype: Optional[torch.dtype] = None,
                channels_last: bool = False) -> Dict[str, object]:
    """Run ``teacher`` once without gradient; return the ``taps``' outputs
    by path (float32 whatever precision the forward ran in).

    ``dtype`` None follows the autocast in effect; ``torch.float32`` turns
    it off for the teacher; a reduced dtype autocasts to it.
    """
    device = inputs.device.type
    if channels_last:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    autocast = contextlib.nullcontext()
    if dtype == torch.float32:
        autocast = torch.autocast(device, enabled=False)
    elif dtype is not None:
        autocast = torch.autocast(device, dtype=dtype)
    reduced = dtype not in (None, torch.float32) or (
        dtype is None and autocast_dtype(device) is not None)
    with torch.no_grad(), autocast, record_outputs(dict(taps)) as rec:
        feats = teacher.extract_feat(inputs)
        teacher.head.forward(feats)
    if reduced or channels_last:
        rec = {k: as_float32(v) for k, v in rec.items()}
    return rec
