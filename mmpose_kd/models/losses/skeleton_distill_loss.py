"""Structure distillation, skeleton reading: limb geometry along the skeleton.

One of the three switchable readings of the IKD structure term (our reading of
Xu et al., IEEE SPL 2020; docs/ikd.md): coordinates are decoded from
both models' heatmaps by soft-argmax and the student's bone vectors along the
dataset skeleton must match the teacher's.
"""
from typing import Optional, Sequence, Tuple

from mmpose.datasets.datasets.utils import parse_pose_metainfo
from torch import Tensor
from torch.nn import functional as F

from mmpose_kd.functional import (bone_vectors, bone_weights,
                                  heatmap_to_normalized_coords,
                                  normalized_to_heatmap_coords, soft_argmax_2d)
from mmpose_kd.functional.skeleton import (BONE_WEIGHT_REDUCTIONS,
                                           as_link_tensor)
from mmpose_kd.functional.soft_argmax import DEFAULT_WINDOW
from mmpose_kd.registry import MODELS
from mmpose_kd.utils.validation import check_choice, check_non_negative_number
from .base_distill_loss import HeatmapPairLoss
from .utils import (check_soft_argmax_args,
                    resolve_keypoint_weights)


def _links_from_metainfo(owner: str, metainfo: dict) -> list:
    if not isinstance(metainfo, dict):
        raise TypeError(f'{owner}: `metainfo` must be a dict such as '
                        "dict(from_file='configs/_base_/datasets/coco.py'), "
                        f'got {type(metainfo).__name__}.')
    if 'skeleton_links' in metainfo:  # already parsed, e.g. dataset.metainfo
        return list(metainfo['skeleton_links'])
    try:
        return parse_pose_metainfo(dict(metainfo))['skeleton_links']
    except (OSError, KeyError, ValueError, TypeError) as error:
        # MMPose's own error does not say which file or field it read
        message = error.args[0] if len(error.args) == 1 else error
        raise type(error)(f'{owner}: cannot read the skeleton from '
                          f'`metainfo`={metainfo!r}: {message}') from error


@MODELS.register_module()
class SkeletonDistillLoss(HeatmapPairLoss):
    """Weighted smooth-L1 between student and teacher bone vectors.

    Both heatmaps are decoded by :func:`~mmpose_kd.functional.soft_argmax_2d`
    (student coordinates are rescaled to the teacher's heatmap pixels when the
    sizes differ); for every link ``(i, j)`` the bone is ``p_j - p_i``, and

    ``L = 1/(B L) sum_b sum_l w_bl * mean_xy smoothL1_beta(b_S - b_T)``

    with ``w_bl`` the product (or min) of the endpoint keypoint weights. Units
    are teacher heatmap pixels, so ``smooth_l1_beta=1`` switches from squared
    to absolute error at a one-pixel bone difference.

    The skeleton comes from the dataset metainfo, never hard-coded: exactly
    one of ``metainfo`` and ``skeleton_links`` must be given.

    Args:
        skeleton_links (Sequence[tuple[int, int]], optional): Explicit links
            as keypoint index pairs.
        metainfo (dict, optional): Dataset metainfo, e.g.
            ``dict(from_file='configs/_base_/datasets/coco.py')`` (parsed with
            MMPose's ``parse_pose_metainfo``), or an already parsed metainfo
            holding ``'skeleton_links'``.
        soft_argmax_mode (str): ``'linear'`` or ``'softmax'``, see
            :func:`~mmpose_kd.functional.soft_argmax_2d`. Defaults to
            ``'linear'``.
        soft_argmax_beta (float): Inverse temperature of ``'softmax'`` mode
            (> 0). Defaults to 1.
        soft_argmax_window (int, optional): Window radius in heatmap px around
            each channel's estimate; ``None``: the largest window that fits.
            Defaults to 6, as in every loss here.
        smooth_l1_beta (float): Smooth-L1 transition point in teacher heatmap
            px (>= 0; 0 is plain L1). Defaults to 1.
        bone_weight_reduction (str): ``'product'`` or ``'min'`` of endpoint
            weights. Defaults to ``'product'``.
        use_keypoint_weights (bool): Weight bones by their endpoints'
            keypoint weights. Defaults to True.
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.

    Note:
        - student: (B, K, h, w), teacher: (B, K, H, W) heatmaps.
        - keypoint_weights: (B, K) or None (all ones).
        - ``links``: (L, 2) long buffer (not saved in checkpoints).
    """

    def __init__(self,
                 skeleton_links: Optional[Sequence[Tuple[int, int]]] = None,
                 metainfo: Optional[dict] = None,
                 soft_argmax_mode: str = 'linear',
                 soft_argmax_beta: float = 1.0,
                 soft_argmax_window: Optional[int] = DEFAULT_WINDOW,
                 smooth_l1_beta: float = 1.0,
                 bone_weight_reduction: str = 'product',
                 use_keypoint_weights: bool = True,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        if (skeleton_links is None) == (metainfo is None):
            raise ValueError(
                f'{owner}: give exactly one of `skeleton_links` and '
                "`metainfo` (e.g. metainfo=dict(from_file='configs/_base_/"
                "datasets/coco.py')), got "
                f'{"both" if metainfo is not None else "neither"}.')
        if metainfo is not None:
            skeleton_links = _links_from_metainfo(owner, metainfo)
        try:
            links = as_link_tensor(skeleton_links)
        except (ValueError, TypeError, RuntimeError) as error:
            raise ValueError(f'{owner}: `skeleton_links` invalid: {error}') \
                from error
        if links.min() < 0:
            raise ValueError(f'{owner}: `skeleton_links` must hold keypoint '
                             f'indices >= 0, got {links.tolist()}.')
        self.register_buffer('links', links, persistent=False)

        (self.soft_argmax_mode, self.soft_argmax_beta,
         self.soft_argmax_window) = check_soft_argmax_args(
             owner, soft_argmax_mode, soft_argmax_beta, soft_argmax_window)
        self.smooth_l1_beta = check_non_negative_number(
            owner, 'smooth_l1_beta', smooth_l1_beta)
        self.bone_weight_reduction = check_choice(owner,
                                                  'bone_weight_reduction',
                                                  bone_weight_reduction,
                                                  BONE_WEIGHT_REDUCTIONS)
        self.use_keypoint_weights = bool(use_keypoint_weights)

    def _decode(self, heatmaps: Tensor) -> Tensor:
        coords, _ = soft_argmax_2d(
            heatmaps,
            beta=self.soft_argmax_beta,
            weighting=self.soft_argmax_mode,
            window=self.soft_argmax_window)
        return coords

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        batch_size, num_keypoints, height, width = teacher.shape
        if int(self.links.max()) >= num_keypoints:
            raise ValueError(
                f'{owner}: the skeleton references keypoint index '
                f'{int(self.links.max())} but the heatmaps have '
                f'{num_keypoints} keypoints (shape {tuple(teacher.shape)}).')

        coords_s = self._decode(student)
        if student.shape[-2:] != teacher.shape[-2:]:
            student_size = (student.shape[-1], student.shape[-2])
            coords_s = normalized_to_heatmap_coords(
                heatmap_to_normalized_coords(coords_s, student_size),
                (width, height))
        coords_t = self._decode(teacher)

        bones_s = bone_vectors(coords_s, self.links)
        bones_t = bone_vectors(coords_t, self.links)
        per_bone = F.smooth_l1_loss(
            bones_s, bones_t, reduction='none',
            beta=self.smooth_l1_beta).mean(-1)  # (B, L)
        if self.use_keypoint_weights:
            weights = resolve_keypoint_weights(owner, keypoint_weights,
                                               batch_size, num_keypoints,
                                               per_bone)
            per_bone = per_bone * bone_weights(weights, self.links,
                                               self.bone_weight_reduction)
        return per_bone.sum() / per_bone.numel()

    def extra_repr(self) -> str:
        return (f'num_links={len(self.links)}, '
                f'soft_argmax_mode={self.soft_argmax_mode!r}, '
                f'smooth_l1_beta={self.smooth_l1_beta}, '
                f'{super().extra_repr()}')
