from mmpose_kd.model_parts.model_pair import keypoint_count
from .loss_routes import LossRoute, gather_keypoint_weights
from .pose_distiller import PoseDistiller

__all__ = [
    'LossRoute', 'PoseDistiller', 'gather_keypoint_weights', 'keypoint_count'
]
