import math

import pytest
import torch

from mmpose_kd.functional import keypoint_relation_matrix, pixel_pair_affinity


def test_keypoint_relation_known_values():
    # Channels (1, 0), (1, 1), (0, 0) on a 1 x 2 heatmap.
    heatmaps = torch.tensor([[[[1., 0.]], [[1., 1.]], [[0., 0.]]]])
    rel = keypoint_relation_matrix(heatmaps)
    c = 1 / math.sqrt(2)
    expected = torch.tensor([[[1., c, 0.], [c, 1., 0.], [0., 0., 0.]]])
    assert rel.shape == (1, 3, 3)
    torch.testing.assert_close(rel, expected)


def test_keypoint_relation_scale_invariant_and_size_free_shape():
    heatmaps = torch.rand(2, 4, 5, 6)
    rel = keypoint_relation_matrix(heatmaps)
    torch.testing.assert_close(keypoint_relation_matrix(7.5 * heatmaps), rel)
    assert keypoint_relation_matrix(torch.rand(2, 4, 9, 3)).shape == (2, 4, 4)


def test_pixel_pair_affinity_known_values_without_pooling():
    # Two pixels with C=2 vectors (1, 0) and (1, 1).
    feats = torch.tensor([[[[1., 1.]], [[0., 1.]]]])
    aff = pixel_pair_affinity(feats, pool=1)
    c = 1 / math.sqrt(2)
    torch.testing.assert_close(aff, torch.tensor([[[1., c], [c, 1.]]]))


def test_pixel_pair_affinity_pools_with_ceil_mode():
    feats = torch.rand(2, 3, 5, 3)
    # ceil(5 / 2) * ceil(3 / 2) = 3 * 2 positions.
    assert pixel_pair_affinity(feats, pool=2).shape == (2, 6, 6)
    # Border windows average only the pixels they cover: a constant map
    # stays constant, so every pooled position has the same direction.
    const = torch.ones(1, 3, 5, 3)
    torch.testing.assert_close(
        pixel_pair_affinity(const, pool=2), torch.ones(1, 6, 6))


def test_pixel_pair_affinity_scale_invariant():
    feats = torch.rand(2, 3, 4, 4)
    torch.testing.assert_close(
        pixel_pair_affinity(3. * feats), pixel_pair_affinity(feats))


def test_affinity_errors():
    with pytest.raises(ValueError, match=r'`heatmaps` must be 4-D .*\(2, 3\)'):
        keypoint_relation_matrix(torch.rand(2, 3))
    with pytest.raises(ValueError, match=r'`feats` must be 4-D'):
        pixel_pair_affinity(torch.rand(2, 3, 4))
    with pytest.raises(ValueError, match=r'`pool` must be an int >= 1, got 0'):
        pixel_pair_affinity(torch.rand(1, 2, 4, 4), pool=0)
