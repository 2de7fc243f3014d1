"""Affinity (self-similarity) matrices used by structure distillation.

Both functions describe a prediction by how its parts relate to each other
rather than by their raw values, so a student can match the teacher's global
structure even when its absolute activations differ in scale:

* :func:`keypoint_relation_matrix` - cosine similarity between the K heatmap
  channels (inter-joint structure);
* :func:`pixel_pair_affinity` - cosine similarity between all pairs of spatial
  positions of a pooled feature map (pair-wise distillation of Liu et al.,
  "Structured Knowledge Distillation for Semantic Segmentation", CVPR 2019).

Pure tensor math; no registry imports.
"""
from torch import Tensor
from torch.nn import functional as F


def keypoint_relation_matrix(heatmaps: Tensor, eps: float = 1e-8) -> Tensor:
    """Cosine similarity between every pair of flattened heatmap channels.

    Each channel is flattened to a vector of length H*W and L2-normalised; the
    relation matrix is the Gram matrix of these unit vectors. It is invariant
    to a positive rescaling of the heatmaps and independent of H and W in
    shape, so student and teacher heatmaps of different sizes give comparable
    matrices.

    Args:
        heatmaps (Tensor): Heatmaps of shape (B, K, H, W).
        eps (float): Lower bound of a channel norm before division; an all-zero
            channel gets zero similarity with every channel (itself included).

    Returns:
        Tensor: Relation matrices of shape (B, K, K), entries in [-1, 1].

    Note:
        - B: batch size, K: number of keypoints (channels),
          H x W: heatmap size.
    """
    if heatmaps.dim() != 4:
        raise ValueError('keypoint_relation_matrix: `heatmaps` must be 4-D '
                         f'(B, K, H, W), got shape {tuple(heatmaps.shape)}.')
    flat = F.normalize(heatmaps.flatten(2), p=2, dim=2, eps=eps)
    return flat @ flat.transpose(1, 2)


def pixel_pair_affinity(feats: Tensor, pool: int = 2,
                        eps: float = 1e-8) -> Tensor:
    """Cosine similarity between all pairs of (pooled) spatial positions.

    The feature map is average-pooled with ``kernel_size = stride = pool``
    (``ceil_mode=True``, so no border pixel is dropped and the pooled size is
    ceil(H / pool) x ceil(W / pool)), each position's C-dim vector is
    L2-normalised, and ``A = F^T F`` over the N = H' * W' positions. Pooling by
    2 follows our reading of the IKD pixel-pair term (CVPR 2019 structured KD
    pools to roughly half resolution to keep the N x N matrix affordable).

    Args:
        feats (Tensor): Feature maps of shape (B, C, H, W).
        pool (int): Pooling kernel size and stride; 1 disables pooling.
        eps (float): Lower bound of a feature norm before division.

    Returns:
        Tensor: Affinity matrices of shape (B, N, N) with
        N = ceil(H / pool) * ceil(W / pool), entries in [-1, 1].

    Note:
        - B: batch size, C: channels, H x W: feature size, N: pooled positions.
    """
    if feats.dim() != 4:
        raise ValueError('pixel_pair_affinity: `feats` must be 4-D '
                         f'(B, C, H, W), got shape {tuple(feats.shape)}.')
    if isinstance(pool, bool) or not isinstance(pool, int) or pool < 1:
        raise ValueError(
            f'pixel_pair_affinity: `pool` must be an int >= 1, got {pool!r}.')
    if pool > 1:
        feats = F.avg_pool2d(
            feats, kernel_size=pool, stride=pool, ceil_mode=True)
    flat = F.normalize(feats.flatten(2), p=2, dim=1, eps=eps)  # (B, C, N)
    return flat.transpose(1, 2) @ flat
