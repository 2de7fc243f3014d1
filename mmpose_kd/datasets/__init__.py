"""The generated default data of mmpose_kd: synthetic COCO person keypoints."""
from .annotation_file_errors import (AnnotationFileError,
                                     AnnotationFileNotFoundError,
                                     annotation_file_error_type,
                                     name_annotation_file_in_errors)
from .synthetic import (COCO_KEYPOINT_NAMES, COCO_SKELETON,
                        SyntheticDataMismatchError, generate_synthetic_coco)
from .synthetic_coco_dataset import SyntheticCocoDataset

__all__ = [
    'AnnotationFileError', 'AnnotationFileNotFoundError',
    'annotation_file_error_type', 'name_annotation_file_in_errors',
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'SyntheticDataMismatchError',
    'generate_synthetic_coco', 'SyntheticCocoDataset'
]
