"""Logit distillation on SimCC vectors (RTMPose / RTMCC heads).

The teacher's per-axis SimCC logits are soft targets for the student's: the
loss DWPose uses (its ``KDLoss``), here as an mmpose_kd loss so it plugs into
:class:`~mmpose_kd.models.distillers.PoseDistiller` with ``'preds'`` as both
inputs, and combines with any other mmpose_kd loss.
"""
from typing import Optional

from torch import Tensor
from torch.nn import functional as F

from mmpose_kd.registry import MODELS
from .base_distill_loss import BaseDistillLoss
from mmpose_kd.utils.validation import check_positive_number
from .utils import keypoint_mean, kl_per_keypoint


@MODELS.register_module()
class SimCCLogitDistillLoss(BaseDistillLoss):
    """KL divergence between teacher and student SimCC distributions.

    For each axis a in {x, y}, with ``P = softmax(beta * logits)`` over the
    axis's bins,

    ``L = 1/(B K) sum_b sum_k v_bk * [KL(P_T^x || P_S^x) + KL(P_T^y || P_S^y)]``

    With ``use_keypoint_weights=False`` (the default, as DWPose) v = 1 and
    this equals MMPose's ``KDLoss`` with ``weight=1``.

    Args:
        beta (float): Logit scale before the softmax (> 0); RTMCC heads train
            with ``KLDiscretLoss(beta=10.)``. Defaults to 10.
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.
        use_keypoint_weights (bool): Weight each keypoint by its visibility
            weight v. Defaults to False.

    Note:
        - student, teacher: ``(x_logits, y_logits)`` of shapes (B, K, Wx)
          and (B, K, Wy), as a SimCC/RTMCC head's ``forward`` returns.
        - keypoint_weights: (B, K) or None (all ones).
    """

    def __init__(self,
                 beta: float = 10.0,
                 loss_weight: float = 1.0,
                 use_keypoint_weights: bool = False):
        super().__init__(loss_weight=loss_weight)
        self.beta = check_positive_number(type(self).__name__, 'beta', beta)
        self.use_keypoint_weights = bool(use_keypoint_weights)

    def _check(self, student, teacher) -> None:
        owner = type(self).__name__
        for role, value in (('student', student), ('teacher', teacher)):
            if not (isinstance(value, (tuple, list)) and len(value) == 2 and
                    all(isinstance(v, Tensor) and v.dim() == 3
                        for v in value)):
                shapes = tuple(value.shape) if isinstance(value, Tensor) \
                    else type(value).__name__
                raise ValueError(
                    f'{owner}: {role} must be SimCC (x, y) logits of shapes '
                    f'(B, K, Wx), (B, K, Wy), got {shapes}; is this a SimCC '
                    'head (SimCCHead, RTMCCHead)?')
        for axis in (0, 1):
            if student[axis].shape != teacher[axis].shape:
                raise ValueError(
                    f'{owner}: {"xy"[axis]} logits differ in shape, student '
                    f'{tuple(student[axis].shape)} vs teacher '
                    f'{tuple(teacher[axis].shape)} (same input size and '
                    'simcc_split_ratio needed).')

    def compute(self, student, teacher,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        self._check(student, teacher)
        per_keypoint = sum(
            kl_per_keypoint(F.log_softmax(s_logits * self.beta, dim=-1),
                            F.log_softmax(t_logits * self.beta, dim=-1))
            for s_logits, t_logits in zip(student, teacher))
        return keypoint_mean(type(self).__name__, per_keypoint,
                             keypoint_weights, self.use_keypoint_weights)

    def extra_repr(self) -> str:
        return (f'beta={self.beta}, loss_weight={self.loss_weight}, '
                f'use_keypoint_weights={self.use_keypoint_weights}')
