"""Structure distillation, pixel-pair reading: pair-wise spatial affinity.

One of the three switchable readings of the IKD structure term (our reading of
Xu et al., IEEE SPL 2020, docs/ikd.md), after the pair-wise term of Liu et
al., "Structured Knowledge Distillation for Semantic Segmentation", CVPR 2019.
Unlike that reference, which max-pools to a coarse node grid (kernel = half
the map), this loss average-pools by a fixed factor ``pool`` (default 2), so
every node is a ``pool x pool`` patch; ``pool=1`` keeps every pixel.
"""
from typing import Optional

from torch import Tensor

from mmpose_kd.functional import pixel_pair_affinity
from mmpose_kd.registry import MODELS
from .base_distill_loss import BaseDistillLoss
from mmpose_kd.utils.validation import check_choice, check_positive_int
from .utils import ALIGN_MODES, align_spatial, check_4d_pair


@MODELS.register_module()
class PixelPairDistillLoss(BaseDistillLoss):
    """Squared error between student and teacher pixel-pair affinities.

    Both maps are average-pooled by ``pool`` (to ~H/2 x W/2 by default),
    L2-normalised along C and turned into ``A = F^T F`` (N x N, see
    :func:`~mmpose_kd.functional.pixel_pair_affinity`);
    ``L = mean over (B, N, N) of (A_S - A_T)^2``.

    The affinity is channel-free, so student and teacher may have different
    channel counts without a connector; it is invariant to positive rescaling
    of either feature. Works on feature maps and on heatmaps alike.

    Args:
        pool (int): Pooling kernel and stride (>= 1). Defaults to 2.
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.
        align (str | None): Resize mode of the student map to the teacher's
            H x W before pooling (``'bilinear'``, ``'nearest'``, or None to
            raise on a mismatch). Defaults to ``'bilinear'``.

    Note:
        - student: (B, C_s, h, w), teacher: (B, C_t, H, W).
        - ``keypoint_weights`` is accepted and ignored (pixels are not
          keypoints).
        - Memory grows as (H W / pool^2)^2 per sample.
    """

    def __init__(self,
                 pool: int = 2,
                 loss_weight: float = 1.0,
                 align: Optional[str] = 'bilinear'):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        self.pool = check_positive_int(owner, 'pool', pool)
        self.align = check_choice(owner, 'align', align, ALIGN_MODES)

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        check_4d_pair(owner, student, teacher, 'features')
        student = align_spatial(owner, student, teacher, self.align)
        affinity_s = pixel_pair_affinity(student, pool=self.pool)
        affinity_t = pixel_pair_affinity(teacher, pool=self.pool)
        return (affinity_s - affinity_t).pow(2).mean()

    def extra_repr(self) -> str:
        return (f'pool={self.pool}, align={self.align!r}, '
                f'{super().extra_repr()}')
