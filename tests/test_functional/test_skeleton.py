import pytest
import torch

from mmpose_kd.functional import bone_vectors, bone_weights


def test_bone_vectors_known_values():
    coords = torch.tensor([[[0., 0.], [3., 4.], [1., -1.]]])
    bones = bone_vectors(coords, [(0, 1), (1, 2)])
    torch.testing.assert_close(bones, torch.tensor([[[3., 4.], [-2., -5.]]]))
    # A tensor of links works the same.
    links = torch.tensor([[0, 1], [1, 2]])
    torch.testing.assert_close(bone_vectors(coords, links), bones)


def test_bone_vectors_gradient():
    coords = torch.zeros(1, 2, 2, requires_grad=True)
    bone_vectors(coords, [(0, 1)]).sum().backward()
    torch.testing.assert_close(coords.grad,
                               torch.tensor([[[-1., -1.], [1., 1.]]]))


def test_bone_weights_product_and_min():
    weights = torch.tensor([[1., 0.5, 0.]])
    links = [(0, 1), (1, 2), (0, 0)]
    torch.testing.assert_close(
        bone_weights(weights, links), torch.tensor([[0.5, 0., 1.]]))
    torch.testing.assert_close(
        bone_weights(weights, links, reduction='min'),
        torch.tensor([[0.5, 0., 1.]]))
    weights = torch.tensor([[0.8, 0.5]])
    torch.testing.assert_close(
        bone_weights(weights, [(0, 1)], reduction='min'),
        torch.tensor([[0.5]]))


def test_skeleton_errors():
    coords = torch.zeros(1, 3, 2)
    with pytest.raises(ValueError, match=r'indices in \[0, 3\] but only 3'):
        bone_vectors(coords, [(0, 3)])
    with pytest.raises(ValueError, match=r'non-empty \(L, 2\)'):
        bone_vectors(coords, [])
    with pytest.raises(ValueError, match=r'non-empty \(L, 2\)'):
        bone_vectors(coords, [(0, 1, 2)])
    with pytest.raises(ValueError, match=r'`coords` must be 3-D'):
        bone_vectors(torch.zeros(3, 2), [(0, 1)])
    with pytest.raises(ValueError, match=r"`reduction` must be one of"):
        bone_weights(torch.ones(1, 3), [(0, 1)], reduction='mean')
    with pytest.raises(ValueError, match=r'`keypoint_weights` must be 2-D'):
        bone_weights(torch.ones(3), [(0, 1)])
