"""Cross-representation head distillation: regressed coordinates as heatmaps.

Loss 3 of Cross-Representation Distillation (Liu et al., ECCV 2024 W): the
regression output is rendered as Gaussian heatmaps (the heatmap codec's sigma)
and matched to the teacher's heatmaps, so the gradient of a heatmap-space loss
flows into the coordinates. Our reading of the paper (METHODS.md section 2).
"""
from typing import Optional

from torch import Tensor
from torch.nn import functional as F

from mmpose_kd.functional import (normalized_to_heatmap_coords,
                                  render_gaussian_heatmaps)
from mmpose_kd.registry import MODELS
from .base_distill_loss import BaseDistillLoss
from .coord_distill_loss import check_coords_and_heatmaps
from .utils import (check_choice, check_positive_number,
                    resolve_keypoint_weights)


@MODELS.register_module()
class RenderedHeatmapDistillLoss(BaseDistillLoss):
    """Render the student's coordinates as Gaussians, match teacher heatmaps.

    ``H_S = render_gaussian_heatmaps(c_S * (W, H), (W, H), sigma)`` with
    ``c_S`` the normalised student coordinates and (W, H) the teacher heatmap
    size; then, with keypoint weights v (B, K):

    - ``'mse'``: ``L = 1/(B K) sum_b sum_k v_bk * mean_hw (H_S - H_T)^2``;
    - ``'kl'``: ``P = softmax over H*W of (H / tau)`` per channel and
      ``L = tau^2/(B K) sum_b sum_k v_bk * KL(P_T || P_S)``.

    The rendered Gaussian has bounded support in practice, so the gradient
    fades once the student is several sigma away from the teacher's peak; the
    coordinate loss (:class:`CoordDistillLoss`) covers that regime. Rendered
    values lie in [0, 1], so ``'kl'`` with ``tau=1`` gives soft distributions;
    a smaller ``tau`` sharpens both.

    Args:
        sigma (float): Gaussian sigma in heatmap px (> 0); use the heatmap
            codec's. :class:`CrossRepresentationHead` fills it in from the
            heatmap branch's decoder when its config gives none.
            Defaults to 2.
        mode (str): ``'mse'`` or ``'kl'``. Defaults to ``'mse'``.
        tau (float): Softmax temperature of ``'kl'`` (> 0). Defaults to 1.
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
                 loss_weight: float = 1.0):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        self.sigma = check_positive_number(owner, 'sigma', sigma)
        self.mode = check_choice(owner, 'mode', mode, self.MODES)
        self.tau = check_positive_number(owner, 'tau', tau)

    def render(self, student: Tensor, heatmap_size) -> Tensor:
        """Render normalised (B, K, 2+) coordinates at ``heatmap_size``."""
        coords = normalized_to_heatmap_coords(student[..., :2], heatmap_size)
        return render_gaussian_heatmaps(coords, heatmap_size, self.sigma)

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        check_coords_and_heatmaps(owner, student, teacher)
        batch_size, num_keypoints, height, width = teacher.shape
        rendered = self.render(student, (width, height))

        if self.mode == 'mse':
            per_keypoint = (rendered - teacher).pow(2).flatten(2).mean(-1)
        else:
            log_p_s = F.log_softmax(rendered.flatten(2) / self.tau, dim=-1)
            log_p_t = F.log_softmax(teacher.flatten(2) / self.tau, dim=-1)
            per_keypoint = F.kl_div(
                log_p_s, log_p_t, reduction='none', log_target=True).sum(-1)
            per_keypoint = per_keypoint * self.tau**2

        weights = resolve_keypoint_weights(owner, keypoint_weights,
                                           batch_size, num_keypoints,
                                           per_keypoint)
        return (per_keypoint * weights).sum() / (batch_size * num_keypoints)

    def extra_repr(self) -> str:
        return (f'sigma={self.sigma}, mode={self.mode!r}, tau={self.tau}, '
                f'{super().extra_repr()}')
