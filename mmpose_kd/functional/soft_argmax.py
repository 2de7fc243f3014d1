"""Differentiable heatmap -> coordinate decoding (integral regression).

:func:`soft_argmax_2d` turns each heatmap channel into a probability map over
its pixels and returns the expected pixel position. It is what the
cross-representation losses use to read pseudo-target coordinates out of a
heatmap teacher (or the heatmap branch of the same network), and what structure
distillation uses to compare limb geometry.

Accuracy (measured in ``tests/test_functional/test_soft_argmax.py``): with the
default ``weighting='linear'``, on exact MSRA heatmaps (unbiased, sigma 2) of
keypoints spread over a whole 16x12 map, the mean error is below 0.1 px and
below 0.3 px for every keypoint at least 1 px inside the map (the window is
kept symmetric about the estimate, see :func:`soft_argmax_2d`); a Gaussian
3 sigma or more from the border decodes to within 0.01 px. The expectation is
sensitive to background noise (uniform noise of 0.001 on a 64x48 map shifts a
whole-map expectation by more than 1 px towards the map centre); ``window``
(about 3 sigma) keeps the error below ~0.05 px with 0.01 noise.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from mmpose_kd.utils.validation import check_choice, check_window

#: How :func:`soft_argmax_2d` turns a heatmap into pixel weights (its
#: ``weighting``; the losses' ``soft_argmax_mode``).
SOFT_ARGMAX_MODES = ('linear', 'softmax')
#: Window radius (heatmap px) every loss decodes with unless told otherwise:
#: 3 sigma of the usual sigma=2 codec.
DEFAULT_WINDOW = 6
#: Re-centrings of the window on the estimate, see :func:`soft_argmax_2d`.
DEFAULT_REFINE = 10


def soft_argmax_2d(heatmaps: Tensor,
                   beta: float = 1.0,
                   weighting: str = 'linear',
                   window: Optional[int] = None,
                   refine: int = DEFAULT_REFINE) -> Tuple[Tensor, Tensor]:
    """Decode coordinates from heatmaps by a differentiable soft-argmax.

    Modes (how a channel becomes a distribution ``p`` over its pixels):

    - ``'linear'`` (default): ``p = relu(H) / sum(relu(H))``. Unbiased for
      non-negative Gaussian-like heatmaps such as MSRA targets; ``beta`` is
      not used.
    - ``'softmax'``: ``p = softmax(beta * H)``, the integral-regression form
      for logit heatmaps. On unit-peak Gaussians it needs ``beta`` around 15-20
      and is still less exact than ``'linear'``.

    Args:
        heatmaps (Tensor): Heatmaps in shape (B, K, H, W).
        beta (float): Inverse temperature of ``'softmax'`` weighting. Must
            be > 0.
        weighting (str): ``'linear'`` (the heatmap values, clipped at 0) or
            ``'softmax'`` (of ``beta`` x the values) as pixel weights.
        window (int, optional): If given, only pixels within this Chebyshev
            radius (heatmap px) of the estimate take part, which makes the
            result robust to background noise. ``None``: no cap, the largest
            window that fits. In every case each axis's radius is clipped to
            the estimate's distance from the border, so the window is
            symmetric about it (an asymmetric one is biased inwards). The
            window's position carries no gradient; the expectation inside it
            is differentiable.
        refine (int): How many times the window is re-centred on the last
            estimate (>= 0; 0 keeps it on the argmax pixel). Defaults to 10.

    Returns:
        tuple:
        - coords (Tensor): (B, K, 2) expected positions (x, y) in heatmap px,
          pixel centres at integer positions (MMPose convention). A channel
          with no positive value in ``'linear'`` weighting decodes to (0, 0).
        - scores (Tensor): (B, K) maximum value of each raw channel, as MMPose
          heatmap decoders report it; usable as a confidence weight.

    Note:
        - B: batch size, K: keypoints, H, W: heatmap height and width.
    """
    check_choice('soft_argmax_2d', 'weighting', weighting, SOFT_ARGMAX_MODES)
    if not beta > 0:
        raise ValueError(f'soft_argmax_2d: `beta` must be > 0, got {beta!r}')
    check_window('soft_argmax_2d', 'window', window)
    if isinstance(refine, bool) or not isinstance(refine, int) or refine < 0:
        raise ValueError('soft_argmax_2d: `refine` must be an int >= 0, got '
                         f'{refine!r}')
    if heatmaps.dim() != 4:
        raise ValueError('soft_argmax_2d: `heatmaps` must have shape '
                         f'(B, K, H, W), got {tuple(heatmaps.shape)}')

    B, K, H, W = heatmaps.shape
    flat = heatmaps.flatten(2)  # (B, K, H*W)
    scores, max_index = flat.max(dim=-1)

    xs = torch.arange(W, dtype=heatmaps.dtype, device=heatmaps.device)
    ys = torch.arange(H, dtype=heatmaps.dtype, device=heatmaps.device)
    grid_x = xs.repeat(H)  # (H*W,) x of each flattened pixel
    grid_y = ys.repeat_interleave(W)

    # The window is centred on the current estimate (first the argmax pixel)
    # and each axis's radius is clipped to the estimate's distance from that
    # border, so the window stays symmetric: one cut by the border holds more
    # mass on the inner side and pulls the estimate inwards. Pixels at the
    # window's edge count by the fraction of them it covers, so the window
    # can sit between pixels; re-centring it `refine` times moves it onto the
    # keypoint. Window positions carry no gradient.
    center = torch.stack([max_index % W, max_index // W],
                         dim=-1).to(heatmaps.dtype)
    for _ in range(1 + refine):
        center = center.detach()
        cx, cy = center[..., :1], center[..., 1:]
        radius_x = torch.minimum(cx, (W - 1) - cx).clamp(min=0)
        radius_y = torch.minimum(cy, (H - 1) - cy).clamp(min=0)
        if window is not None:
            radius_x = radius_x.clamp(max=window)
            radius_y = radius_y.clamp(max=window)
        cover = ((radius_x + 0.5 - (grid_x - cx).abs()).clamp(0, 1) *
                 (radius_y + 0.5 - (grid_y - cy).abs()).clamp(0, 1))
        if weighting == 'linear':
            mass = flat.clamp(min=0) * cover
            total = mass.sum(dim=-1, keepdim=True)
            prob = mass / total.clamp(min=1e-12)
        else:
            logits = flat * beta + cover.clamp(min=1e-30).log()
            prob = logits.softmax(dim=-1)
            total = torch.ones_like(prob[..., :1])
        estimate = torch.stack(
            [(prob * grid_x).sum(-1), (prob * grid_y).sum(-1)], dim=-1)
        # A window without positive mass keeps the previous centre.
        center = torch.where(total > 0, estimate, center)
    return center, scores
