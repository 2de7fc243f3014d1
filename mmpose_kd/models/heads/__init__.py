"""Heatmap-to-regression heads (Cross-Representation Distillation)."""
from .cross_representation_head import CrossRepresentationHead
from .downsized_regression_head import DownsizedRegressionHead
from .export import to_plain_regression, to_plain_regression_model

__all__ = [
    'CrossRepresentationHead', 'DownsizedRegressionHead',
    'to_plain_regression', 'to_plain_regression_model'
]
