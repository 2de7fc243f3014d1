"""Logit distillation on heatmaps: the teacher's heatmaps as soft targets.

First of the three IKD mechanisms (Xu et al., IEEE SPL 2020). The paper gives
no formula; the two modes below are our reading of it (docs/ikd.md).
"""
from typing import Optional

from torch import Tensor
from torch.nn import functional as F

from mmpose_kd.registry import MODELS
from .base_distill_loss import HeatmapPairLoss
from mmpose_kd.utils.validation import check_choice, check_positive_number
from .utils import (ALIGN_MODES, align_spatial,
                    keypoint_mean, kl_per_keypoint)


@MODELS.register_module()
class HeatmapLogitDistillLoss(HeatmapPairLoss):
    """Match the student's heatmaps to the (detached) teacher heatmaps.

    With keypoint weights v (B, K), our reading of IKD logit distillation is

    - ``'mse'`` (FPD-style):
      ``L = 1/(B K) sum_b sum_k v_bk * mean_hw (H_S - H_T)^2``;
    - ``'kl'``: ``P = softmax over H*W of (H / tau)`` per channel and
      ``L = tau^2/(B K) sum_b sum_k v_bk * KL(P_T || P_S)``.

    The sums are divided by B*K, not by the sum of weights, so invisible
    keypoints lower the loss instead of re-weighting the visible ones.

    Args:
        mode (str): ``'mse'`` or ``'kl'``. Defaults to ``'mse'``.
        tau (float): Softmax temperature of ``'kl'`` (> 0). Defaults to 1.
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.
        use_keypoint_weights (bool): Weight each keypoint by v. When False,
            the given weights are ignored. Defaults to True.
        align (str | None): How to resize the student's heatmaps to the
            teacher's size when they differ: ``'bilinear'`` (default),
            ``'nearest'``, or None to raise instead.

    Note:
        - student, teacher: (B, K, h, w) and (B, K, H, W) heatmaps.
        - keypoint_weights: (B, K) or None (all ones).
    """

    MODES = ('mse', 'kl')

    def __init__(self,
                 mode: str = 'mse',
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 use_keypoint_weights: bool = True,
                 align: Optional[str] = 'bilinear'):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        self.mode = check_choice(owner, 'mode', mode, self.MODES)
        self.tau = check_positive_number(owner, 'tau', tau)
        self.use_keypoint_weights = bool(use_keypoint_weights)
        self.align = check_choice(owner, 'align', align, ALIGN_MODES)

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        student = align_spatial(owner, student, teacher, self.align)
        if self.mode == 'mse':
            per_keypoint = (student - teacher).pow(2).flatten(2).mean(-1)
        else:
            per_keypoint = kl_per_keypoint(
                F.log_softmax(student.flatten(2) / self.tau, dim=-1),
                F.log_softmax(teacher.flatten(2) / self.tau, dim=-1),
                self.tau)
        return keypoint_mean(owner, per_keypoint, keypoint_weights,
                             self.use_keypoint_weights)

    def extra_repr(self) -> str:
        return (f'mode={self.mode!r}, tau={self.tau}, '
                f'use_keypoint_weights={self.use_keypoint_weights}, '
                f'align={self.align!r}, {super().extra_repr()}')
