"""Heatmap-to-regression heads (Cross-Representation Distillation)."""
from .cross_representation_head import CrossRepresentationHead
from .downsized_regression_head import DownsizedRegressionHead

__all__ = [
    'CrossRepresentationHead', 'DownsizedRegressionHead'
]
