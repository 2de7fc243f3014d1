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
from .model_pair import check_pair

#: ``teacher_dtype`` values: None means no autocast.
TEACHER_DTYPES = {'float32': None, 'bfloat16': torch.bfloat16,
                  'float16': torch.float16}


def _as_float32(value):
    """Float32, contiguous copies of the tensors in a teacher output."""
    if isinstance(value, Tensor):
        return value.float().contiguous()
    if isinstance(value, (tuple, list)):
        return type(value)(_as_float32(v) for v in value)
    return value


def load_teacher_weights(teacher: torch.nn.Module, path: str,
                         allow_unsafe: bool = False) -> None:
    """Load ``teacher_ckpt`` into ``teacher`` (strict, weights-only).

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
    load_state_dict_checked(
        teacher, extract_state_dict(checkpoint, prefix='student'), path,
        field='teacher_ckpt')


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
    by path (float32 whatever ``dtype`` the forward ran in)."""
    if channels_last:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    autocast = contextlib.nullcontext()
    if dtype is not None:
        autocast = torch.autocast(inputs.device.type, dtype=dtype)
    with torch.no_grad(), autocast, record_outputs(dict(taps)) as rec:
        feats = teacher.extract_feat(inputs)
        teacher.head.forward(feats)
    if dtype is not None or channels_last:
        rec = {k: _as_float32(v) for k, v in rec.items()}
    return rec
