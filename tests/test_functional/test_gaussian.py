import numpy as np
import pytest
import torch
from mmpose.codecs import MSRAHeatmap, RegressionLabel

from mmpose_kd.functional import (heatmap_to_normalized_coords,
                                  normalized_to_heatmap_coords,
                                  render_gaussian_heatmaps, soft_argmax_2d)

INPUT_SIZE = (192, 256)
HEATMAP_SIZE = (48, 64)


def _codec(sigma=2.0):
    return MSRAHeatmap(
        input_size=INPUT_SIZE,
        heatmap_size=HEATMAP_SIZE,
        sigma=sigma,
        unbiased=True)


def _image_keypoints():
    rng = np.random.default_rng(0)
    keypoints = rng.uniform([0, 0], [191, 255], size=(1, 17, 2))
    keypoints[0, 0] = [0.4, 0.7]  # near the border: Gaussian cut by the map
    keypoints[0, 1] = [190.2, 254.9]
    return keypoints.astype(np.float32)


@pytest.mark.parametrize('sigma', [1.0, 2.0, 3.0])
def test_matches_msra_unbiased_encoding(sigma):
    keypoints = _image_keypoints()
    expected = _codec(sigma).encode(keypoints)['heatmaps']
    # The regression label frame, converted to heatmap px, is the codec's.
    labels = RegressionLabel(INPUT_SIZE).encode(keypoints)['keypoint_labels']
    coords = normalized_to_heatmap_coords(
        torch.from_numpy(labels), HEATMAP_SIZE)
    rendered = render_gaussian_heatmaps(coords, HEATMAP_SIZE, sigma)
    assert rendered.shape == (1, 17, 64, 48)
    np.testing.assert_allclose(rendered[0].numpy(), expected, atol=1e-5)


def test_documented_difference_invisible_keypoints_are_rendered():
    keypoints = _image_keypoints()
    visible = np.ones((1, 17), dtype=np.float32)
    visible[0, 3] = 0
    encoded = _codec().encode(keypoints, visible)
    assert encoded['heatmaps'][3].max() == 0  # codec leaves it empty ...
    assert encoded['keypoint_weights'][0, 3] == 0  # ... and weights it 0
    coords = torch.from_numpy(keypoints) * HEATMAP_SIZE[0] / INPUT_SIZE[0]
    rendered = render_gaussian_heatmaps(coords, HEATMAP_SIZE, 2.0)
    assert rendered[0, 3].max() > 0.9  # here the loss weights do that job


def test_truncate_keeps_a_square_window():
    coords = torch.tensor([[[20.3, 30.6]]])
    full = render_gaussian_heatmaps(coords, HEATMAP_SIZE, 2.0)
    cut = render_gaussian_heatmaps(coords, HEATMAP_SIZE, 2.0, truncate=3.0)
    ys, xs = torch.meshgrid(
        torch.arange(64.), torch.arange(48.), indexing='ij')
    inside = ((xs - 20.3).abs() <= 6) & ((ys - 30.6).abs() <= 6)
    torch.testing.assert_close(cut[0, 0][inside], full[0, 0][inside])
    assert (cut[0, 0][~inside] == 0).all()
    ring = ~inside & ((xs - 20.3).abs() <= 8) & ((ys - 30.6).abs() <= 8)
    assert (full[0, 0][ring] > 0).all()


def test_gradcheck_in_coordinates():
    coords = torch.tensor([[[2.3, 1.6], [0.4, 3.2]]],
                          dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda c: render_gaussian_heatmaps(c, (5, 4), 1.5), (coords, ))
    assert torch.autograd.gradcheck(
        lambda c: render_gaussian_heatmaps(c, (5, 4), 1.5, truncate=1.0),
        (coords, ))


def test_render_then_decode_round_trip():
    gen = torch.Generator().manual_seed(0)
    normalised = 0.2 + 0.6 * torch.rand(2, 17, 2, generator=gen)
    coords = normalized_to_heatmap_coords(normalised, HEATMAP_SIZE)
    decoded, scores = soft_argmax_2d(
        render_gaussian_heatmaps(coords, HEATMAP_SIZE, 2.0))
    assert (decoded - coords).abs().max() < 0.05
    back = heatmap_to_normalized_coords(decoded, HEATMAP_SIZE)
    assert (back - normalised).abs().max() < 0.05 / HEATMAP_SIZE[0]
    assert (scores > 0.8).all()


def test_coordinate_conversion_matches_msra_scale_factor():
    image_px = torch.tensor([[[96.0, 128.0], [10.0, 250.0]]])
    normalised = image_px / torch.tensor(INPUT_SIZE)
    heatmap_px = normalized_to_heatmap_coords(normalised, HEATMAP_SIZE)
    scale = torch.from_numpy(_codec().scale_factor)
    torch.testing.assert_close(heatmap_px, image_px / scale)
    torch.testing.assert_close(
        heatmap_to_normalized_coords(heatmap_px, HEATMAP_SIZE), normalised)


@pytest.mark.parametrize('kwargs, match', [
    (dict(sigma=0.0), '`sigma`'),
    (dict(sigma=1.0, truncate=0.0), '`truncate`'),
])
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        render_gaussian_heatmaps(torch.zeros(1, 1, 2), (4, 4), **kwargs)


def test_invalid_shapes():
    with pytest.raises(ValueError, match='`coords`'):
        render_gaussian_heatmaps(torch.zeros(1, 2), (4, 4), 1.0)
    with pytest.raises(ValueError, match='`heatmap_size`'):
        normalized_to_heatmap_coords(torch.zeros(1, 1, 2), (4, 4, 4))
