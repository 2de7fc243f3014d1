"""Generator of the project's default data: synthetic COCO person keypoints.

Pure numpy + OpenCV (no registry, no torch), so it can run anywhere, e.g. from
a data-preparation script before training.
"""
from .coco_format import (COCO_KEYPOINT_NAMES, COCO_SKELETON, ann_file_for,
                          image_dir_for, meta_file_for)
from .generator import (DEFAULT_NUM_IMAGES, GENERATOR_VERSION,
                        SyntheticDataMismatchError, generate_synthetic_coco)

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'ann_file_for', 'image_dir_for',
    'meta_file_for', 'DEFAULT_NUM_IMAGES', 'GENERATOR_VERSION',
    'SyntheticDataMismatchError', 'generate_synthetic_coco'
]
