"""Task loss as distillation loss: heatmap-decoded coordinates as targets.

Loss 2 of Cross-Representation Distillation (Liu et al., ECCV 2024 W): the
regression head's own task loss, applied against sg(soft-argmax(H)) of a
heatmap teacher (TCD) or of the same network's heatmap branch (OCD). Our
reading of the paper (docs/crd.md, loss 2).
"""
from typing import Optional, Union

import torch
from mmpose.models.losses import L1Loss, MSELoss, RLELoss, SmoothL1Loss
from torch import Tensor, nn
from torch.nn import functional as F

from mmpose_kd.functional import heatmap_to_normalized_coords, soft_argmax_2d
from mmpose_kd.functional.soft_argmax import DEFAULT_WINDOW
from mmpose_kd.registry import MODELS
from .base_distill_loss import BaseDistillLoss
from .teacher_keypoints import DecodedTeacherKeypoints
from .utils import check_soft_argmax_args, resolve_keypoint_weights

#: MMPose's coordinate losses that weight by ``criterion(pred * w, t * w)``:
#: squared (SmoothL1's quadratic regime, MSE) or linear (L1) in ``w``. They
#: are evaluated here element-wise and weighted once, linearly.
ELEMENTWISE_CRITERIA = {
    SmoothL1Loss: F.smooth_l1_loss,
    L1Loss: F.l1_loss,
    MSELoss: F.mse_loss,
}


@MODELS.register_module()
class CoordDistillLoss(BaseDistillLoss):
    """Regression task loss against coordinates decoded from teacher heatmaps.

    Pseudo-targets ``t = soft_argmax_2d(H_T) / (W, H)`` are normalised like
    ``RegressionLabel`` labels; weights are ``v_k`` times, with
    ``use_confidence``, the teacher's peak value clamped to [0, 1] (a teacher
    that does not see a keypoint does not teach it). The weight enters every
    criterion linearly: ``L = loss_weight_c * mean(w * l(pred, t))``.
    MMPose's ``SmoothL1Loss``, ``L1Loss`` and ``MSELoss`` weight by
    ``l(pred * w, t * w)``, which squares ``w`` in the quadratic regime (all
    of it on normalised coordinates), so they are evaluated element-wise
    here (``l`` = ``F.smooth_l1_loss``, ``F.l1_loss``, ``F.mse_loss``) with
    the criterion's own ``loss_weight``; :class:`RLELoss` already weights its
    negative log-likelihood linearly and is called as ``RLEHead`` calls it,
    ``criterion(pred[..., :2], pred[..., 2:4], t, w[..., None])``. A
    criterion with ``use_target_weight=False`` gets no weights.

    Args:
        criterion (dict | nn.Module): The per-keypoint task loss: a config
            built from the model registry (``SmoothL1Loss``, ``L1Loss``,
            ``MSELoss`` or ``RLELoss``) or such a module, e.g. the regression head's own
            ``loss_module`` (what :class:`CrossRepresentationHead` passes when
            its ``coord_distill`` config gives no criterion). Defaults to
            ``dict(type='SmoothL1Loss', use_target_weight=True)``.
        use_confidence (bool): Multiply the weights by the teacher's clamped
            peak value (meant for MSRA-style heatmaps whose peak is ~1 where
            the keypoint is seen). Needs a criterion with
            ``use_target_weight=True``. Defaults to True.
        soft_argmax_mode (str): ``'linear'`` or ``'softmax'``, see
            :func:`~mmpose_kd.functional.soft_argmax_2d`. Defaults to
            ``'linear'``.
        soft_argmax_beta (float): Inverse temperature of ``'softmax'`` mode
            (> 0). Defaults to 1.
        soft_argmax_window (int, optional): Window radius in heatmap px around
            each channel's estimate; ``None``: the largest window that fits,
            which background noise biases towards its centre. Defaults to 6
            (3 sigma of the usual sigma=2 codec), as in every loss here.
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.

    Note:
        - student: (B, K, 2) normalised coordinates (RegressionHead), or
          (B, K, 4) coordinates + sigma logits (RLEHead; only the first two
          are used unless the criterion is RLELoss).
        - teacher: (B, K, H, W) heatmaps, or
          :class:`~mmpose_kd.models.losses.teacher_keypoints.
          DecodedTeacherKeypoints` from a teacher cache without heatmaps.
        - keypoint_weights: (B, K) or None (all ones).
    """

    def __init__(self,
                 criterion: Union[dict, nn.Module] = dict(
                     type='SmoothL1Loss', use_target_weight=True),
                 use_confidence: bool = True,
                 soft_argmax_mode: str = 'linear',
                 soft_argmax_beta: float = 1.0,
                 soft_argmax_window: Optional[int] = DEFAULT_WINDOW,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        if isinstance(criterion, nn.Module):
            self.criterion = criterion
        elif isinstance(criterion, dict):
            self.criterion = MODELS.build(criterion)
        else:
            raise TypeError(f'{owner}: `criterion` must be a config dict or '
                            f'an nn.Module, got {type(criterion).__name__}.')
        self.use_confidence = bool(use_confidence)
        if self.use_confidence and not getattr(self.criterion,
                                               'use_target_weight', True):
            raise ValueError(
                f'{owner}: `use_confidence=True` needs a `criterion` that '
                'applies target weights, got '
                f'{type(self.criterion).__name__} with '
                'use_target_weight=False.')
        if not isinstance(self.criterion,
                          (RLELoss, *ELEMENTWISE_CRITERIA)):
            raise ValueError(
                f'{owner}: `criterion` must be one of MMPose\'s '
                'SmoothL1Loss, L1Loss, MSELoss or RLELoss (the ones whose '
                'keypoint weight this loss applies linearly), got '
                f'{type(self.criterion).__name__}.')
        (self.soft_argmax_mode, self.soft_argmax_beta,
         self.soft_argmax_window) = check_soft_argmax_args(
             owner, soft_argmax_mode, soft_argmax_beta, soft_argmax_window)

    @property
    def decode_settings(self) -> dict:
        """The soft-argmax settings this loss decodes teacher heatmaps with
        (compared with a teacher cache's, docs/teacher_cache.md)."""
        return dict(mode=self.soft_argmax_mode, beta=self.soft_argmax_beta,
                    window=self.soft_argmax_window)

    def pseudo_targets(self, teacher):
        """Return (normalised coords (B, K, 2), confidence (B, K)) from
        teacher heatmaps, or from keypoints a teacher cache decoded with
        this loss's settings."""
        if isinstance(teacher, DecodedTeacherKeypoints):
            if teacher.decode != self.decode_settings:
                raise ValueError(
                    f'{type(self).__name__}: the teacher keypoints were '
                    f'decoded with {teacher.decode}, this loss decodes with '
                    f'{self.decode_settings}.')
            targets = heatmap_to_normalized_coords(teacher.coords,
                                                   teacher.heatmap_size)
            return targets, teacher.scores.clamp(0, 1)
        coords, scores = soft_argmax_2d(
            teacher,
            beta=self.soft_argmax_beta,
            weighting=self.soft_argmax_mode,
            window=self.soft_argmax_window)
        height, width = teacher.shape[-2:]
        targets = heatmap_to_normalized_coords(coords, (width, height))
        return targets, scores.clamp(0, 1)

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        # Decoded keypoints are checked as the heatmaps they stand for.
        check_coords_and_heatmaps(
            owner, student,
            torch.empty(teacher.shape, device='meta') if isinstance(
                teacher, DecodedTeacherKeypoints) else teacher)
        targets, confidence = self.pseudo_targets(teacher)
        batch_size, num_keypoints = targets.shape[:2]
        weights = resolve_keypoint_weights(owner, keypoint_weights,
                                           batch_size, num_keypoints, targets)
        if self.use_confidence:
            weights = weights * confidence
        weights = weights.unsqueeze(-1)  # (B, K, 1) as the heads pass it
        if not getattr(self.criterion, 'use_target_weight', True):
            weights = torch.ones_like(weights)

        if isinstance(self.criterion, RLELoss):
            if student.shape[-1] != 4:
                raise ValueError(
                    f'{owner}: RLELoss needs (B, K, 4) coordinates + sigma '
                    f'from an RLEHead, got student shape '
                    f'{tuple(student.shape)}.')
            return self.criterion(student[..., :2], student[..., 2:4],
                                  targets, weights)
        elementwise = ELEMENTWISE_CRITERIA[type(self.criterion)]
        per_coordinate = elementwise(
            student[..., :2], targets, reduction='none')
        return (per_coordinate * weights).mean() * self.criterion.loss_weight

    def extra_repr(self) -> str:
        return (f'use_confidence={self.use_confidence}, '
                f'soft_argmax_mode={self.soft_argmax_mode!r}, '
                f'soft_argmax_window={self.soft_argmax_window}, '
                f'{super().extra_repr()}')


def check_coords_and_heatmaps(owner: str, student, teacher) -> None:
    """Raise unless student is (B, K, 2|4) and teacher (B, K, H, W)."""
    for name, x in (('student', student), ('teacher', teacher)):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f'{owner}: {name} must be a tensor, got '
                            f'{type(x).__name__}.')
    if (student.dim() != 3 or student.shape[-1] not in (2, 4)
            or teacher.dim() != 4
            or student.shape[:2] != teacher.shape[:2]):
        raise ValueError(
            f'{owner}: expected student coordinates (B, K, 2) or (B, K, 4) '
            f'and teacher heatmaps (B, K, H, W) with the same B and K, got '
            f'student shape {tuple(student.shape)} and teacher shape '
            f'{tuple(teacher.shape)}.')
