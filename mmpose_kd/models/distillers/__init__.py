from .pose_distiller import PoseDistiller, gather_keypoint_weights

__all__ = ['PoseDistiller', 'gather_keypoint_weights']
