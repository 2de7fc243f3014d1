"""Differentiable coordinate -> heatmap rendering, and coordinate conversions.

:func:`render_gaussian_heatmaps` draws one unit-peak Gaussian per keypoint so
that a regression output can be compared with heatmaps (cross-representation
head distillation). It reproduces MMPose's ``MSRAHeatmap(unbiased=True)``
encoding (the DarkPose Gaussian: evaluated at every pixel, centre not rounded,
no 3-sigma cut-off) for in-image keypoints, and is differentiable in the
coordinates. Differences from the codec, by design: invisible keypoints and
keypoints whose Gaussian lies wholly outside the map are still rendered (the
codec leaves their channel at 0 and sets their weight to 0; here the losses'
keypoint weights play that role).

Coordinate frames (see docs/design.md): the ``RegressionLabel`` codec
normalises by the input size, ``MSRAHeatmap`` places a keypoint at
``image px * heatmap_size / input_size``, so ``heatmap px = normalised *
heatmap_size``. (UDP codecs use ``(size - 1)`` ratios and are not covered.)
"""
from typing import Optional, Sequence

import torch
from torch import Tensor


def _size_tensor(heatmap_size: Sequence[int], like: Tensor) -> Tensor:
    if len(heatmap_size) != 2:
        raise ValueError('`heatmap_size` must be (W, H), got '
                         f'{tuple(heatmap_size)!r}')
    return torch.as_tensor(
        [float(s) for s in heatmap_size], dtype=like.dtype, device=like.device)


def normalized_to_heatmap_coords(coords: Tensor,
                                 heatmap_size: Sequence[int]) -> Tensor:
    """Map normalised (RegressionLabel) coordinates to heatmap px.

    Args:
        coords (Tensor): (..., 2) coordinates (x, y) as fractions of the input
            size.
        heatmap_size (Sequence[int]): (W, H) of the heatmap.

    Returns:
        Tensor: (..., 2) coordinates in heatmap px.
    """
    return coords * _size_tensor(heatmap_size, coords)


def heatmap_to_normalized_coords(coords: Tensor,
                                 heatmap_size: Sequence[int]) -> Tensor:
    """Inverse of :func:`normalized_to_heatmap_coords`."""
    return coords / _size_tensor(heatmap_size, coords)


def render_gaussian_heatmaps(coords: Tensor,
                             heatmap_size: Sequence[int],
                             sigma: float,
                             truncate: Optional[float] = None) -> Tensor:
    """Render one unit-peak Gaussian per keypoint, differentiably.

    ``H[b, k, y, x] = exp(-((x - cx)^2 + (y - cy)^2) / (2 sigma^2))`` with
    pixel centres at integer positions, as in MMPose's unbiased MSRA encoding.

    Args:
        coords (Tensor): (B, K, 2) centres (x, y) in heatmap px.
        heatmap_size (Sequence[int]): (W, H) of the output.
        sigma (float): Standard deviation in heatmap px. Must be > 0.
        truncate (float, optional): If given, pixels farther than
            ``truncate * sigma`` from the centre along x or y are set to 0 (a
            square support like the biased MSRA encoder's 3-sigma box, but
            around the exact centre). ``None`` (default) renders the whole map,
            matching ``MSRAHeatmap(unbiased=True)``.

    Returns:
        Tensor: (B, K, H, W) heatmaps, differentiable w.r.t. ``coords``.

    Note:
        - B: batch size, K: keypoints, H, W: heatmap height and width.
    """
    if not sigma > 0:
        raise ValueError(
            f'render_gaussian_heatmaps: `sigma` must be > 0, got {sigma!r}')
    if truncate is not None and not truncate > 0:
        raise ValueError('render_gaussian_heatmaps: `truncate` must be None '
                         f'or > 0, got {truncate!r}')
    if coords.dim() != 3 or coords.shape[-1] != 2:
        raise ValueError('render_gaussian_heatmaps: `coords` must have shape '
                         f'(B, K, 2), got {tuple(coords.shape)}')
    W, H = (int(s) for s in heatmap_size)
    xs = torch.arange(W, dtype=coords.dtype, device=coords.device)
    ys = torch.arange(H, dtype=coords.dtype, device=coords.device)
    dx = xs.view(1, 1, 1, W) - coords[..., 0, None, None]  # (B, K, 1, W)
    dy = ys.view(1, 1, H, 1) - coords[..., 1, None, None]  # (B, K, H, 1)
    heatmaps = torch.exp(-(dx.square() + dy.square()) / (2 * sigma**2))
    if truncate is not None:
        radius = truncate * sigma
        heatmaps = heatmaps * ((dx.abs() <= radius) & (dy.abs() <= radius))
    return heatmaps
