"""Argument and input checks shared by the distillation losses.

Every message starts with the owning class name so a misconfigured loss is easy
to find in a config with several of them.
"""
from typing import Optional, Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

#: ``align`` values accepted by losses that resize the student to the teacher.
ALIGN_MODES = ('bilinear', 'nearest', None)


def check_choice(owner: str, name: str, value, choices: Sequence):
    """Return ``value`` if it is one of ``choices``, else raise ValueError."""
    if value not in choices:
        raise ValueError(f'{owner}: `{name}` must be one of {tuple(choices)}, '
                         f'got {value!r}.')
    return value


def check_positive_number(owner: str, name: str, value) -> float:
    """Return ``value`` as float if it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f'{owner}: `{name}` must be a number, got '
                        f'{value!r} ({type(value).__name__}).')
    if not 0 < value < float('inf'):
        raise ValueError(
            f'{owner}: `{name}` must be a finite number > 0, got {value!r}.')
    return float(value)


def check_4d_pair(owner: str, student, teacher, what: str = 'inputs') -> None:
    """Raise unless student and teacher are both (B, C, H, W) tensors."""
    for name, x in (('student', student), ('teacher', teacher)):
        if not isinstance(x, Tensor):
            raise TypeError(f'{owner}: {name} {what} must be a tensor, got '
                            f'{type(x).__name__}.')
    if student.dim() != 4 or teacher.dim() != 4:
        raise ValueError(
            f'{owner}: {what} must be 4-D (B, C, H, W), got student shape '
            f'{tuple(student.shape)} and teacher shape '
            f'{tuple(teacher.shape)}.')
    if student.shape[0] != teacher.shape[0]:
        raise ValueError(
            f'{owner}: batch sizes differ, student shape '
            f'{tuple(student.shape)} vs teacher shape {tuple(teacher.shape)}.')


def align_spatial(owner: str, student: Tensor, teacher: Tensor,
                  mode: Optional[str]) -> Tensor:
    """Resize ``student`` (B, C, h, w) to the teacher's H x W.

    Follows MMPose's heatmap convention (docs/design.md): pixel centres at
    integers and ``x_teacher = x_student * W / w``, so a x2 upsample maps a
    peak at 10 to 20.0 (``F.interpolate``'s half-pixel convention gives
    20.5), the same scaling the skeleton loss applies to coordinates. Samples
    beyond the student's last pixel take the border value.

    Returns the student unchanged when the sizes already match; raises a
    ValueError naming both shapes when they differ and ``mode`` is None.
    """
    size = teacher.shape[-2:]
    if student.shape[-2:] == size:
        return student
    if mode is None:
        raise ValueError(
            f'{owner}: spatial sizes differ (student shape '
            f'{tuple(student.shape)}, teacher shape {tuple(teacher.shape)}) '
            "and `align` is None; set align='bilinear' to resize the student.")
    (h, w), (H, W) = student.shape[-2:], size
    dtype, device = student.dtype, student.device
    # Student pixel position of each teacher pixel, as grid_sample's
    # align_corners=True coordinates (-1 and 1 at the first/last centres).
    xs = torch.arange(W, dtype=dtype, device=device) * (w / W)
    ys = torch.arange(H, dtype=dtype, device=device) * (h / H)
    gx = 2 * xs / max(w - 1, 1) - 1
    gy = 2 * ys / max(h - 1, 1) - 1
    grid = torch.stack(torch.meshgrid(gy, gx, indexing='ij')[::-1], dim=-1)
    grid = grid.unsqueeze(0).expand(student.shape[0], H, W, 2)
    return F.grid_sample(student, grid, mode=mode, padding_mode='border',
                         align_corners=True)


def resolve_keypoint_weights(owner: str, keypoint_weights: Optional[Tensor],
                             batch_size: int, num_keypoints: int,
                             like: Tensor) -> Tensor:
    """Return (B, K) keypoint weights on ``like``'s device and dtype.

    ``None`` means all ones. A weight tensor of another shape raises a
    ValueError naming the shape expected and the one given.
    """
    if keypoint_weights is None:
        return like.new_ones((batch_size, num_keypoints))
    keypoint_weights = torch.as_tensor(
        keypoint_weights, dtype=like.dtype, device=like.device)
    if keypoint_weights.shape != (batch_size, num_keypoints):
        raise ValueError(
            f'{owner}: `keypoint_weights` must have shape (B, K) = '
            f'{(batch_size, num_keypoints)}, got '
            f'{tuple(keypoint_weights.shape)}.')
    return keypoint_weights
