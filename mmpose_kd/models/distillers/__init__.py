from .loss_routes import LossRoute, gather_keypoint_weights
from .model_pair import keypoint_count
from .pose_distiller import PoseDistiller

__all__ = [
    'LossRoute', 'PoseDistiller', 'gather_keypoint_weights', 'keypoint_count'
]
