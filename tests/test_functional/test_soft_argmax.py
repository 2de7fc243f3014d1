import numpy as np
import pytest
import torch

from mmpose_kd.functional import render_gaussian_heatmaps, soft_argmax_2d

W, H = 48, 64


def _random_centres(num, sigma, seed=0):
    """Non-integer centres at least 3 sigma + 1 px away from the border."""
    gen = torch.Generator().manual_seed(seed)
    margin = 3 * sigma + 1
    span = torch.tensor([W - 1 - 2 * margin, H - 1 - 2 * margin])
    return torch.rand(1, num, 2, generator=gen, dtype=torch.float64) * span \
        + margin


@pytest.mark.parametrize('sigma', [1.0, 1.5, 2.0])
def test_linear_mode_is_subpixel_accurate(sigma):
    centres = _random_centres(50, sigma)
    assert (centres - centres.round()).abs().max() > 0.1  # really sub-pixel
    heatmaps = render_gaussian_heatmaps(centres, (W, H), sigma)
    coords, scores = soft_argmax_2d(heatmaps)
    assert coords.shape == (1, 50, 2) and scores.shape == (1, 50)
    assert (coords - centres).abs().max() < 0.05
    torch.testing.assert_close(scores, heatmaps.flatten(2).amax(-1))


def test_window_is_accurate_and_robust_to_background_noise():
    sigma = 2.0
    centres = _random_centres(50, sigma, seed=1)
    clean = render_gaussian_heatmaps(centres, (W, H), sigma)
    coords, _ = soft_argmax_2d(clean, window=6)
    assert (coords - centres).abs().max() < 0.05

    gen = torch.Generator().manual_seed(2)
    noisy = clean + 0.01 * torch.rand(
        clean.shape, generator=gen, dtype=clean.dtype)
    largest_coords, _ = soft_argmax_2d(noisy)
    local_coords, _ = soft_argmax_2d(noisy, window=6)
    # Noise inside the window drags the expectation to the window's centre:
    # the more pixels (the largest window that fits), the further.
    largest_error = (largest_coords - centres).abs().max()
    assert (local_coords - centres).abs().max() < 0.1 < largest_error


def test_softmax_mode_on_log_gaussian_logits():
    # softmax of log-Gaussian logits is the Gaussian itself: exact again.
    sigma = 1.5
    centres = _random_centres(20, sigma, seed=3)
    logits = render_gaussian_heatmaps(centres, (W, H), sigma).log()
    coords, _ = soft_argmax_2d(logits, weighting='softmax', beta=1.0)
    assert (coords - centres).abs().max() < 0.05
    coords_win, _ = soft_argmax_2d(logits, weighting='softmax', window=5)
    assert (coords_win - centres).abs().max() < 0.05


def test_known_values_on_tiny_map():
    heatmaps = torch.zeros(1, 2, 3, 4)
    heatmaps[0, 0, 2, 1] = 1.0  # all mass at x=1, y=2
    heatmaps[0, 1, 1, 1] = 1.0  # half at (1, 1), half at (2, 1)
    heatmaps[0, 1, 1, 2] = 1.0
    heatmaps[0, 1, 2, 2] = -5.0  # negative values carry no mass
    coords, scores = soft_argmax_2d(heatmaps)
    # Channel 1 peaks first at (1, 1): the window (radius 1 in x and y, the
    # distance to the border) covers both peaks and is re-centred at 1.5,
    # where it covers x = 1 and 2 only, half of x = 0 and 3 (both empty).
    torch.testing.assert_close(coords,
                               torch.tensor([[[1.0, 2.0], [1.5, 1.0]]]))
    torch.testing.assert_close(scores, torch.tensor([[1.0, 1.0]]))


def test_empty_channel_decodes_to_origin_without_nan():
    coords, scores = soft_argmax_2d(-torch.ones(1, 1, 4, 4))
    assert torch.isfinite(coords).all()
    torch.testing.assert_close(coords, torch.zeros(1, 1, 2))
    assert scores.item() == -1.0


@pytest.mark.parametrize('kwargs', [
    dict(weighting='linear'),
    dict(weighting='softmax', beta=2.0),
    dict(weighting='linear', window=1),
    dict(weighting='softmax', window=1),
])
def test_gradcheck(kwargs):
    gen = torch.Generator().manual_seed(0)
    heatmaps = (torch.rand(1, 2, 4, 5, generator=gen, dtype=torch.float64)
                + 0.1).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda h: soft_argmax_2d(h, **kwargs)[0], (heatmaps, ))


def test_gradient_moves_coordinate_towards_added_mass():
    heatmaps = render_gaussian_heatmaps(
        torch.tensor([[[10.3, 20.6]]]), (W, H), 2.0).requires_grad_()
    coords, _ = soft_argmax_2d(heatmaps)
    coords[0, 0, 0].backward()
    grad = heatmaps.grad[0, 0]
    # More mass right of the mean moves x right, left of it moves x left.
    assert grad[20, 15] > 0 and grad[20, 5] < 0


@pytest.mark.parametrize('kwargs, match', [
    (dict(weighting='argmax'), '`weighting`'),
    (dict(beta=0.0), '`beta`'),
    (dict(window=-1), '`window`'),
    (dict(window=1.5), '`window`'),
])
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        soft_argmax_2d(torch.rand(1, 1, 4, 4), **kwargs)


def test_rejects_non_4d_input():
    with pytest.raises(ValueError, match=r'\(B, K, H, W\)'):
        soft_argmax_2d(torch.rand(3, 4, 4))


def _msra_heatmaps(points):
    """Exact MSRA targets (MMPose's unbiased codec, sigma 2) at 16x12."""
    from mmpose.codecs import MSRAHeatmap
    codec = MSRAHeatmap(input_size=(48, 64), heatmap_size=(12, 16), sigma=2,
                        unbiased=True)
    maps = [codec.encode((p * 4)[None, None], np.ones((1, 1)))['heatmaps'][0]
            for p in points]
    return torch.tensor(np.stack(maps))[None]


@pytest.mark.parametrize('window', [None, 6])
def test_no_border_bias_over_the_whole_map(window):
    # A window cut by the border pulled estimates inwards: 0.55 px mean
    # error over the map, 1 px near the border.
    rng = np.random.default_rng(0)
    points = np.stack([rng.uniform(0, 11, 1500), rng.uniform(0, 15, 1500)],
                      -1)
    coords, _ = soft_argmax_2d(_msra_heatmaps(points), window=window)
    error = np.linalg.norm(coords[0].numpy() - points, axis=-1)
    inside = ((points >= 1) & (points <= [10, 14])).all(-1)
    assert error.mean() <= 0.1
    assert error[inside].max() <= 0.3


def test_refine_argument_validated():
    with pytest.raises(ValueError, match='`refine` must be an int >= 0'):
        soft_argmax_2d(torch.rand(1, 1, 4, 4), refine=-1)
