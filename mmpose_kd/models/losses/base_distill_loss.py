"""The contract every distillation loss of mmpose_kd follows.

A distillation loss compares one named output of the student with one of the
teacher (see :class:`~mmpose_kd.models.distillers.PoseDistiller` for how the
inputs are routed). Subclasses implement :meth:`compute`; :meth:`forward`
applies ``loss_weight``. Weights are validated here so every loss reports a bad
value the same way, naming the loss class and the offending argument.
"""
from typing import Optional

import torch
from torch import Tensor, nn

from mmpose_kd.utils.validation import check_non_negative_number
from .utils import check_heatmap_pair


class BaseDistillLoss(nn.Module):
    """Base class of the distillation losses.

    Args:
        loss_weight (float): Multiplier of the loss value. Must be >= 0. A
            :class:`~mmpose_kd.engine.hooks.DistillLossWeightHook` may change
            it during training.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = check_non_negative_number(
            type(self).__name__, 'loss_weight', loss_weight)

    def compute(self,
                student,
                teacher,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Return the unweighted loss (a scalar tensor)."""
        raise NotImplementedError

    def forward(self,
                student,
                teacher,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Weighted loss. ``teacher`` is detached before use.

        Args:
            student: Student output (tensor, or tuple of tensors).
            teacher: Teacher output of the same kind; never receives gradient.
            keypoint_weights (Tensor, optional): (B, K) visibility x dataset
                joint weights from the data samples.
        """
        teacher = _detach(teacher)
        self.check_inputs(student, teacher)
        return self.loss_weight * self.compute(student, teacher,
                                               keypoint_weights)

    def check_inputs(self, student, teacher) -> None:
        """Raise unless the inputs are what this loss compares; run by
        :meth:`forward` before :meth:`compute`. Accepts anything here."""

    def init_weights(self) -> None:
        """Apply the ``init_cfg`` of the loss's trainable parts (connectors,
        MMEngine ``BaseModule``s); parts without one keep their build-time
        initialisation."""
        for child in self.children():
            if getattr(child, 'init_cfg', None) and hasattr(
                    child, 'init_weights'):
                child.init_weights()

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}'


class HeatmapPairLoss(BaseDistillLoss):
    """A distillation loss of student and teacher (B, K, H, W) heatmaps with
    the same B and K (:func:`~mmpose_kd.models.losses.utils.
    check_heatmap_pair`)."""

    def check_inputs(self, student, teacher) -> None:
        check_heatmap_pair(type(self).__name__, student, teacher)


def _detach(value):
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (tuple, list)):
        return type(value)(_detach(v) for v in value)
    return value
