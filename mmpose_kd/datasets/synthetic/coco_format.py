"""The COCO person-keypoint format that the synthetic generator writes.

Constants and small builders only, so the figure drawer, the scene renderer and
the file writer agree on one definition of the 17 COCO keypoints, the COCO
skeleton and the directory layout. No dependency beyond the standard library.
"""
from typing import Dict, List, Sequence

COCO_KEYPOINT_NAMES = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')
NUM_KEYPOINTS = len(COCO_KEYPOINT_NAMES)

# The skeleton of the official COCO person category, 1-based as in the json.
COCO_SKELETON = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13),
    (6, 7), (6, 8), (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4),
    (3, 5), (4, 6), (5, 7))

PERSON_CATEGORY_ID = 1

# COCO visibility flags.
NOT_LABELLED, OCCLUDED, VISIBLE = 0, 1, 2


def person_category() -> Dict:
    """Return the standard COCO ``person`` category dict."""
    return dict(
        supercategory='person',
        id=PERSON_CATEGORY_ID,
        name='person',
        keypoints=list(COCO_KEYPOINT_NAMES),
        skeleton=[list(link) for link in COCO_SKELETON])


def ann_file_for(split: str) -> str:
    """Annotation file of ``split``, relative to the dataset root."""
    return f'annotations/person_keypoints_{split}.json'


def image_dir_for(split: str) -> str:
    """Image folder of ``split``, relative to the dataset root."""
    return f'images/{split}/'


def meta_file_for(split: str) -> str:
    """Generation-parameter record of ``split``, relative to the root."""
    return f'annotations/synthetic_coco_{split}_meta.json'


def bbox_polygon(bbox: Sequence[float]) -> List[List[float]]:
    """COCO polygon segmentation of an ``xywh`` box."""
    x, y, w, h = bbox
    return [[x, y, x + w, y, x + w, y + h, x, y + h]]
