"""The generated default data of mmpose_kd: synthetic COCO person keypoints."""
from .synthetic import (COCO_KEYPOINT_NAMES, COCO_SKELETON,
                        SyntheticDataMismatchError, generate_synthetic_coco)
from .synthetic_coco_dataset import SyntheticCocoDataset

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'SyntheticDataMismatchError',
    'generate_synthetic_coco', 'SyntheticCocoDataset'
]
