from .base_distill_loss import BaseDistillLoss
from .coord_distill_loss import CoordDistillLoss
from .feature_distill_loss import FeatureDistillLoss
from .heatmap_logit_distill_loss import HeatmapLogitDistillLoss
from .keypoint_relation_distill_loss import KeypointRelationDistillLoss
from .pixel_pair_distill_loss import PixelPairDistillLoss
from .rendered_heatmap_distill_loss import RenderedHeatmapDistillLoss
from .simcc_logit_distill_loss import SimCCLogitDistillLoss
from .skeleton_distill_loss import SkeletonDistillLoss

__all__ = [
    'BaseDistillLoss', 'FeatureDistillLoss', 'HeatmapLogitDistillLoss',
    'KeypointRelationDistillLoss', 'PixelPairDistillLoss', 'CoordDistillLoss',
    'RenderedHeatmapDistillLoss', 'SimCCLogitDistillLoss', 'SkeletonDistillLoss'
]
