"""Input checks and computations shared by the distillation losses.

Every message starts with the owning class name so a misconfigured loss is easy
to find in a config with several of them. Argument checks are in
:mod:`mmpose_kd.utils.validation`.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torch.nn import functional as F

from mmpose_kd.functional.soft_argmax import SOFT_ARGMAX_MODES
from mmpose_kd.utils.validation import (check_choice, check_positive_number,
                                        check_window)

#: ``align`` values accepted by losses that resize the student to the teacher.
ALIGN_MODES = ('bilinear', 'nearest', None)


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


def check_heatmap_pair(owner: str, student, teacher) -> None:
    """Raise unless both are (B, K, H, W) heatmaps with the same B and K."""
    check_4d_pair(owner, student, teacher, 'heatmaps')
    if student.shape[1] != teacher.shape[1]:
        raise ValueError(
            f'{owner}: keypoint counts differ, student shape '
            f'{tuple(student.shape)} vs teacher shape '
            f'{tuple(teacher.shape)}.')


def check_soft_argmax_args(owner: str, mode, beta,
                           window) -> Tuple[str, float, Optional[int]]:
    """``(soft_argmax_mode, soft_argmax_beta, soft_argmax_window)`` of a
    loss that decodes heatmaps with :func:`soft_argmax_2d`, checked."""
    return (check_choice(owner, 'soft_argmax_mode', mode, SOFT_ARGMAX_MODES),
            check_positive_number(owner, 'soft_argmax_beta', beta),
            check_window(owner, 'soft_argmax_window', window))


def kl_per_keypoint(log_p_student: Tensor, log_p_teacher: Tensor,
                    tau: float = 1.0) -> Tensor:
    """``tau^2 KL(teacher || student)`` over the last axis: (B, K, N) log
    probabilities in, (B, K) out (Hinton's temperature scaling)."""
    return F.kl_div(log_p_student, log_p_teacher, reduction='none',
                    log_target=True).sum(-1) * tau**2


def keypoint_mean(owner: str, per_keypoint: Tensor,
                  keypoint_weights: Optional[Tensor] = None,
                  weighted: bool = True) -> Tensor:
    """Mean over (B, K) of ``per_keypoint``, each term times its keypoint
    weight when ``weighted`` (``None`` weights: all ones)."""
    batch_size, num_keypoints = per_keypoint.shape[:2]
    if weighted:
        per_keypoint = per_keypoint * resolve_keypoint_weights(
            owner, keypoint_weights, batch_size, num_keypoints, per_keypoint)
    return per_keypoint.sum() / (batch_size * num_keypoints)


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
