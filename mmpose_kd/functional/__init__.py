"""Pure tensor math shared by heads and losses (no registry imports)."""
from .affinity import keypoint_relation_matrix, pixel_pair_affinity
from .gaussian import (heatmap_to_normalized_coords,
                       normalized_to_heatmap_coords, render_gaussian_heatmaps)
from .skeleton import bone_vectors, bone_weights
from .soft_argmax import soft_argmax_2d

__all__ = [
    'keypoint_relation_matrix', 'pixel_pair_affinity', 'bone_vectors',
    'bone_weights', 'soft_argmax_2d', 'render_gaussian_heatmaps',
    'normalized_to_heatmap_coords', 'heatmap_to_normalized_coords'
]
