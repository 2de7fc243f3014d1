"""Structure distillation, keypoint-relation reading: inter-joint structure.

One of the three switchable readings of the IKD structure term (our reading of
Xu et al., IEEE SPL 2020; docs/ikd.md): the student's heatmap channels
must relate to each other (cosine similarity) as the teacher's do.
"""
from typing import Optional

from torch import Tensor

from mmpose_kd.functional import keypoint_relation_matrix
from mmpose_kd.registry import MODELS
from .base_distill_loss import HeatmapPairLoss
from .utils import resolve_keypoint_weights


@MODELS.register_module()
class KeypointRelationDistillLoss(HeatmapPairLoss):
    """Squared error between student and teacher keypoint relation matrices.

    Per sample, ``A`` is the K x K cosine-similarity matrix of the flattened
    heatmap channels (:func:`~mmpose_kd.functional.keypoint_relation_matrix`)
    and ``L = 1/(B K K) sum_b sum_ij w_bij (A_S - A_T)_bij^2`` with
    ``w_bij = v_bi * v_bj`` (all ones without keypoint weights, giving the
    plain mean of docs/ikd.md). Weighting a pair by both endpoints is our
    design choice: a relation involving an unlabelled joint carries no
    supervision worth trusting.

    The matrices are K x K whatever the heatmap size, so student and teacher
    heatmaps of different H x W need no resizing; the loss is invariant to
    positive rescaling of either model's heatmaps.

    Args:
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.
        use_keypoint_weights (bool): Weight pair (i, j) by ``v_i * v_j``.
            Defaults to True.

    Note:
        - student: (B, K, h, w), teacher: (B, K, H, W) heatmaps.
        - keypoint_weights: (B, K) or None (all ones).
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 use_keypoint_weights: bool = True):
        super().__init__(loss_weight=loss_weight)
        self.use_keypoint_weights = bool(use_keypoint_weights)

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        batch_size, num_keypoints = teacher.shape[:2]
        sq_err = (keypoint_relation_matrix(student) -
                  keypoint_relation_matrix(teacher)).pow(2)
        if self.use_keypoint_weights:
            v = resolve_keypoint_weights(owner, keypoint_weights, batch_size,
                                         num_keypoints, sq_err)
            sq_err = sq_err * (v[:, :, None] * v[:, None, :])
        return sq_err.sum() / (batch_size * num_keypoints**2)

    def extra_repr(self) -> str:
        return (f'use_keypoint_weights={self.use_keypoint_weights}, '
                f'{super().extra_repr()}')
