"""Cross-representation head distillation: regressed coordinates as heatmaps.

Loss 3 of Cross-Representation Distillation (Liu et al., ECCV 2024 W): the
regression output is rendered as Gaussian heatmaps (the heatmap codec's sigma)
and matched to the teacher's heatmaps, so the gradient of a heatmap-space loss
flows into the coordinates. Our reading of the paper (docs/crd.md, loss 3).

Both sides are compared on a canvas larger than the heatmap: a Gaussian
rendered only inside the H x W map loses energy when its centre nears a
border, and the MSE (``||G||^2 - 2<G, M> + ||M||^2``) then rewards leaving the
map, so a student that starts near a border is pushed off it. Padding the
canvas by >= 3 sigma, with the teacher zero outside the map, keeps ``||G||^2``
(and the KL mode's partition function) constant while the centre is on the
map, so the only pull left is towards the teacher's peak.
"""
import math
from typing import Optional

import torch
from torch import Tensor
from torch.nn import functional as F

from mmpose_kd.functional import (normalized_to_heatmap_coords,
                                  render_gaussian_heatmaps)
from mmpose_kd.registry import MODELS
from .base_distill_loss import BaseDistillLoss
from .coord_distill_loss import check_coords_and_heatmaps
from mmpose_kd.utils.validation import (check_choice, check_int,
                                        check_positive_number)
from .utils import keypoint_mean, kl_per_keypoint


@MODELS.register_module()
class RenderedHeatmapDistillLoss(BaseDistillLoss):
    """Render the student's coordinates as Gaussians, match teacher heatmaps.

    ``H_S = render_gaussian_heatmaps(c_S * (W, H), (W, H), sigma)`` with
    ``c_S`` the normalised student coordinates and (W, H) the teacher heatmap
    size; then, with keypoint weights v (B, K):

    - ``'mse'``: ``L = 1/(B K) sum_b sum_k v_bk * mean_hw (H_S - H_T)^2``;
    - ``'kl'``: ``P = softmax over H*W of (H / tau)`` per channel and
      ``L = tau^2/(B K) sum_b sum_k v_bk * KL(P_T || P_S)``.

    Both are evaluated on a canvas padded by ``padding`` px on every side
    (the teacher is zero there, the student's Gaussian is rendered over it),
    and the MSE is normalised by the map's H*W, so the loss has its minimum at
    the teacher's peak from any start on the map (see the module docstring).
    The gradient fades once the student is several sigma away from the
    teacher's peak; the coordinate loss (:class:`CoordDistillLoss`) covers
    that regime. Rendered values lie in [0, 1], so ``'kl'`` with ``tau=1``
    gives soft distributions; a smaller ``tau`` sharpens both.

    Args:
        sigma (float): Gaussian sigma in heatmap px (> 0); use the heatmap
            codec's. :class:`CrossRepresentationHead` fills it in from the
            heatmap branch's decoder when its config gives none.
            Defaults to 2.
        mode (str): ``'mse'`` or ``'kl'``. Defaults to ``'mse'``.
        tau (float): Softmax temperature of ``'kl'`` (> 0). Defaults to 1.
        padding (int, optional): Canvas margin in heatmap px on each side.
            ``None`` (default) uses ``ceil(3 * sigma)``; 0 compares on the
            map alone (the behaviour that pushes border keypoints off it).
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.

    Note:
        - student: (B, K, 2) normalised coordinates, or (B, K, 4) from an
          RLEHead (the sigma half is ignored).
        - teacher: (B, K, H, W) heatmaps.
        - keypoint_weights: (B, K) or None (all ones).
    """

    MODES = ('mse', 'kl')

    def __init__(self,
                 sigma: float = 2.0,
                 mode: str = 'mse',
                 tau: float = 1.0,
                 padding: Optional[int] = None,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        self.sigma = check_positive_number(owner, 'sigma', sigma)
        self.mode = check_choice(owner, 'mode', mode, self.MODES)
        self.tau = check_positive_number(owner, 'tau', tau)
        if padding is None:
            padding = math.ceil(3 * self.sigma)
        self.padding = check_int(owner, 'padding', padding, minimum=0)
        self._excess = None

    def render(self, student: Tensor, heatmap_size) -> Tensor:
        """Render normalised (B, K, 2+) coordinates on the padded canvas.

        Returns (B, K, H + 2 p, W + 2 p) with p = ``padding``; canvas pixel
        (p, p) is heatmap pixel (0, 0).
        """
        coords = normalized_to_heatmap_coords(student[..., :2], heatmap_size)
        pad = self.padding
        canvas = (heatmap_size[0] + 2 * pad, heatmap_size[1] + 2 * pad)
        return render_gaussian_heatmaps(coords + pad, canvas, self.sigma)

    def _plane_excess(self) -> float:
        """``sum (exp(G / tau) - 1)`` of one Gaussian over the unbounded
        pixel lattice (float64, centre on a pixel): what the KL mode's
        partition function adds to the canvas's pixel count."""
        if self._excess is None:
            # Far enough out that exp(G / tau) - 1 < 1e-12.
            radius = math.ceil(self.sigma * math.sqrt(
                2 * math.log(1 / (self.tau * 1e-12))))
            offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
            gauss = torch.exp(-(offsets[:, None]**2 + offsets[None]**2) /
                              (2 * self.sigma**2))
            self._excess = float(torch.expm1(gauss / self.tau).sum())
        return self._excess

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        check_coords_and_heatmaps(owner, student, teacher)
        batch_size, num_keypoints, height, width = teacher.shape
        rendered = self.render(student, (width, height))
        teacher = F.pad(teacher, (self.padding, ) * 4)

        if self.mode == 'mse':
            per_keypoint = (rendered - teacher).pow(2).flatten(2).sum(-1) / (
                height * width)
        else:
            # log softmax(G / tau) with the partition function of the whole
            # Gaussian: constant in the centre, so leaving the canvas (which
            # would shrink a canvas-only partition) earns nothing.
            log_p_s = rendered.flatten(2) / self.tau - math.log(
                rendered[0, 0].numel() + self._plane_excess())
            log_p_t = F.log_softmax(teacher.flatten(2) / self.tau, dim=-1)
            per_keypoint = kl_per_keypoint(log_p_s, log_p_t, self.tau)
        return keypoint_mean(owner, per_keypoint, keypoint_weights)

    def extra_repr(self) -> str:
        return (f'sigma={self.sigma}, mode={self.mode!r}, tau={self.tau}, '
                f'padding={self.padding}, '
                f'{super().extra_repr()}')
