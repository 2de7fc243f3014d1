"""Teacher keypoints decoded ahead of time, in place of its heatmaps.

A teacher cache built without heatmaps (docs/teacher_cache.md) holds the
teacher's soft-argmax keypoints and scores only; the distiller hands them to
:class:`~mmpose_kd.models.losses.CoordDistillLoss` as one
:class:`DecodedTeacherKeypoints` where a live teacher gives heatmaps.
"""
from dataclasses import dataclass
from typing import Tuple

from torch import Tensor


@dataclass
class DecodedTeacherKeypoints:
    """Keypoints a heatmap teacher predicted, decoded by soft-argmax.

    Attributes:
        coords (Tensor): (B, K, 2) heatmap pixels (pixel centres at
            integers), what :func:`~mmpose_kd.functional.soft_argmax_2d`
            returns.
        scores (Tensor): (B, K) the decoded channel's value at the estimate
            (unclamped).
        heatmap_size (tuple): (W, H) of the heatmaps they were decoded from.
        decode (dict): The soft-argmax settings (``mode``, ``beta``,
            ``window``) they were decoded with.
    """
    coords: Tensor
    scores: Tensor
    heatmap_size: Tuple[int, int]
    decode: dict

    @property
    def shape(self) -> tuple:
        """(B, K, H, W) of the heatmaps they stand for (for messages)."""
        return (*self.coords.shape[:2], self.heatmap_size[1],
                self.heatmap_size[0])
