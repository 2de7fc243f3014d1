"""Bone vectors and bone weights along a dataset skeleton.

A skeleton is a list of links ``(i, j)`` between keypoint indices, as MMPose's
``parse_pose_metainfo`` returns under ``'skeleton_links'``. The bone of link
``(i, j)`` is the vector from keypoint ``i`` to keypoint ``j``; comparing bones
instead of keypoints compares limb geometry (length and direction) independent
of where the whole pose sits.

Pure tensor math; no registry imports.
"""
from typing import Sequence, Tuple, Union

import torch
from torch import Tensor

Links = Union[Tensor, Sequence[Tuple[int, int]]]

BONE_WEIGHT_REDUCTIONS = ('product', 'min')


def as_link_tensor(links: Links, device=None) -> Tensor:
    """Return ``links`` as a (L, 2) long tensor, validating its shape."""
    links = torch.as_tensor(links, dtype=torch.long, device=device)
    if links.dim() != 2 or links.shape[1] != 2 or links.shape[0] == 0:
        raise ValueError(
            'skeleton links must be a non-empty (L, 2) list of keypoint '
            f'index pairs, got shape {tuple(links.shape)}.')
    return links


def _check_indices(links: Tensor, num_keypoints: int) -> None:
    if links.min() < 0 or links.max() >= num_keypoints:
        raise ValueError(
            f'skeleton links reference keypoint indices in '
            f'[{int(links.min())}, {int(links.max())}] but only '
            f'{num_keypoints} keypoints are given.')


def bone_vectors(coords: Tensor, links: Links) -> Tensor:
    """Vectors from the first to the second keypoint of every link.

    Args:
        coords (Tensor): Keypoint coordinates of shape (B, K, D), usually D=2
            (x, y).
        links (Tensor | Sequence[tuple[int, int]]): (L, 2) keypoint index
            pairs ``(i, j)``.

    Returns:
        Tensor: Bones ``coords[:, j] - coords[:, i]`` of shape (B, L, D).

    Note:
        - B: batch size, K: number of keypoints, L: number of links.
    """
    if coords.dim() != 3:
        raise ValueError('bone_vectors: `coords` must be 3-D (B, K, D), got '
                         f'shape {tuple(coords.shape)}.')
    links = as_link_tensor(links, device=coords.device)
    _check_indices(links, coords.shape[1])
    return coords[:, links[:, 1]] - coords[:, links[:, 0]]


def bone_weights(keypoint_weights: Tensor,
                 links: Links,
                 reduction: str = 'product') -> Tensor:
    """Weight of every bone from the weights of its two endpoints.

    A bone is only as trustworthy as its least visible endpoint: with
    ``'product'`` (default) or ``'min'``, a bone with an endpoint of weight 0
    gets weight 0.

    Args:
        keypoint_weights (Tensor): Keypoint weights of shape (B, K).
        links (Tensor | Sequence[tuple[int, int]]): (L, 2) keypoint index
            pairs.
        reduction (str): ``'product'`` or ``'min'`` of the endpoint weights.

    Returns:
        Tensor: Bone weights of shape (B, L).

    Note:
        - B: batch size, K: number of keypoints, L: number of links.
    """
    if reduction not in BONE_WEIGHT_REDUCTIONS:
        raise ValueError(f'bone_weights: `reduction` must be one of '
                         f'{BONE_WEIGHT_REDUCTIONS}, got {reduction!r}.')
    if keypoint_weights.dim() != 2:
        raise ValueError(
            'bone_weights: `keypoint_weights` must be 2-D (B, K), got shape '
            f'{tuple(keypoint_weights.shape)}.')
    links = as_link_tensor(links, device=keypoint_weights.device)
    _check_indices(links, keypoint_weights.shape[1])
    start = keypoint_weights[:, links[:, 0]]
    end = keypoint_weights[:, links[:, 1]]
    if reduction == 'product':
        return start * end
    return torch.minimum(start, end)
