"""The tests' mpii_tiny: the real set beside the checkout, or a stand-in.

The MPII recipes are trained and evaluated on ``mpii_tiny`` (5 MPII frames,
one person each, ``test_mpii.json`` in MMPose's MPII JSON list format), which
CI provides beside the checkout at ``../shared/data/mpii_tiny``. A plain
clone has no such folder; there the tests use a stand-in written once per
session: 5 one-person scenes of the project's synthetic generator, their 17
COCO points mapped to MPII's 16 (12 share a name; pelvis and thorax are the
hip and shoulder midpoints; upper neck and head top lie on the head's axis),
written in the same list format. Under CI a missing real set fails instead.

MPII's PCKh divides by a head size that ``MpiiDataset`` reads from a
``.mat`` file of head boxes (``mpii_gt_val.mat``), which mpii_tiny does not
ship: :func:`write_headboxes` writes one for either set, a square per person
on the upper-neck -> head-top segment (its side is the segment's length).
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional

import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from scipy.io import savemat

from mmpose_kd.datasets.synthetic import (COCO_KEYPOINT_NAMES,
                                          generate_synthetic_coco)

ANN_FILE = 'test_mpii.json'
REAL_DIR = 'mpii_tiny'
REQUIRED_FILES = (ANN_FILE, '005808361.jpg')
NUM_PEOPLE = 5
MPII_METAINFO = dict(from_file='configs/_base_/datasets/mpii.py')
# MPII bounding-box scales are person heights over 200 px.
PIXEL_STD = 200.0
# Every generator parameter, explicit (see tests/coco_tiny.py): one large
# figure per 640x360 frame, whole or nearly (MPII labels 14-16 joints).
GENERATOR_PARAMS = dict(
    seed=0, image_size=(640, 360), max_people=1, person_scale=(0.18, 0.24),
    occlusion=0.5, clutter=1.0, min_keypoints=15, jpeg_quality=90)
MARKER = 'STANDIN.txt'


def mpii_keypoint_names() -> List[str]:
    """MPII's 16 keypoint names in index order, from MMPose's metainfo."""
    id2name = parse_pose_metainfo(dict(MPII_METAINFO))['keypoint_id2name']
    return [id2name[i] for i in range(len(id2name))]


def real_mpii_tiny(shared_data_root: str, in_ci: bool) -> Optional[str]:
    """The real ``<shared_data_root>/mpii_tiny``, or None if it is absent.

    Raises:
        pytest.fail.Exception: ``in_ci`` and files of the set are missing.
    """
    path = osp.join(shared_data_root, REAL_DIR)
    missing = [f for f in REQUIRED_FILES if not osp.isfile(osp.join(path, f))]
    if not missing:
        return path
    if in_ci:
        pytest.fail(f'test data {path} is missing {missing}; CI provides it '
                    'beside the checkout at ../shared/data', pytrace=False)
    return None


def _head_axis(points: Dict[str, np.ndarray], thorax: np.ndarray,
               torso: float):
    """(upper neck, head top) on the line from the thorax through the mean
    of the labelled face points, a head radius (0.24 torso) either side of
    that mean; None where no face point is labelled."""
    face = [points[n] for n in ('nose', 'left_eye', 'right_eye', 'left_ear',
                                'right_ear') if n in points]
    if not face:
        return None
    centre = np.mean(face, axis=0)
    up = centre - thorax
    up = up / max(np.linalg.norm(up), 1e-6)
    radius = 0.24 * torso
    return centre - radius * up, centre + radius * up


def coco_to_mpii(keypoints: List[float]) -> Dict[str, list]:
    """MPII ``joints`` (16 x 2) and ``joints_vis`` from a COCO annotation's
    51 ``keypoints``; a point is labelled where its sources all are."""
    coco = np.asarray(keypoints, dtype=np.float64).reshape(-1, 3)
    points = {name: coco[i, :2] for i, name in enumerate(COCO_KEYPOINT_NAMES)
              if coco[i, 2] > 0}

    def mid(a, b):
        return (points[a] + points[b]) / 2 if {a, b} <= set(points) else None

    derived = dict(pelvis=mid('left_hip', 'right_hip'),
                   thorax=mid('left_shoulder', 'right_shoulder'))
    if derived['thorax'] is not None and derived['pelvis'] is not None:
        torso = float(np.linalg.norm(derived['thorax'] - derived['pelvis']))
        axis = _head_axis(points, derived['thorax'], torso)
        if axis is not None:
            derived['upper_neck'], derived['head_top'] = axis
    joints, joints_vis = [], []
    for name in mpii_keypoint_names():
        point = derived.get(name, points.get(name))
        joints.append([0.0, 0.0] if point is None else
                      [round(float(v), 2) for v in point])
        joints_vis.append(int(point is not None))
    return dict(joints=joints, joints_vis=joints_vis)


def build_mpii_tiny_standin(root: str) -> str:
    """Write the stand-in under ``root``; return its mpii_tiny folder
    (images, ``test_mpii.json``, ``STANDIN.txt``)."""
    out_dir = osp.join(root, REAL_DIR)
    os.makedirs(out_dir, exist_ok=True)
    result = generate_synthetic_coco(
        osp.join(root, 'generated'), split='mpii', num_images=NUM_PEOPLE,
        **GENERATOR_PARAMS)
    with open(result['ann_file'], encoding='utf-8') as f:
        coco = json.load(f)
    names = {image['id']: image['file_name'] for image in coco['images']}
    entries = []
    for ann in coco['annotations']:
        file_name = names[ann['image_id']]
        shutil.copyfile(osp.join(result['img_dir'], file_name),
                        osp.join(out_dir, file_name))
        x, y, w, h = ann['bbox']
        entries.append(dict(
            image=file_name,
            # MPII centres are 1-based (Matlab), as MpiiDataset expects.
            center=[round(x + w / 2 + 1, 2), round(y + h / 2 + 1, 2)],
            scale=round(max(w, h) / PIXEL_STD, 4),
            **coco_to_mpii(ann['keypoints'])))
    with open(osp.join(out_dir, ANN_FILE), 'w', encoding='utf-8') as f:
        json.dump(entries, f)
    with open(osp.join(out_dir, MARKER), 'w', encoding='utf-8') as f:
        f.write('Generated by tests/mpii_tiny.py because the real mpii_tiny '
                '(../shared/data/mpii_tiny) is absent.\n')
    return out_dir


def write_headboxes(data_dir: str, out_file: str) -> np.ndarray:
    """Write MPII's head-box file for ``data_dir``'s annotations to
    ``out_file`` (``.mat``, ``headboxes_src`` of shape (2, 2, N) as in
    ``mpii_gt_val.mat``); return the boxes, (N, 2, 2) as (x1, y1), (x2, y2).

    A person whose upper neck or head top is unlabelled gets a box of a
    tenth of their scale.
    """
    with open(osp.join(data_dir, ANN_FILE), encoding='utf-8') as f:
        entries = json.load(f)
    names = mpii_keypoint_names()
    neck, top = names.index('upper_neck'), names.index('head_top')
    boxes = []
    for entry in entries:
        joints = np.asarray(entry['joints'], dtype=np.float64)
        if entry['joints_vis'][neck] and entry['joints_vis'][top]:
            centre = (joints[neck] + joints[top]) / 2
            side = np.linalg.norm(joints[top] - joints[neck])
        else:
            centre = np.asarray(entry['center'], dtype=np.float64)
            side = entry['scale'] * PIXEL_STD / 10
        boxes.append([centre - side / 2, centre + side / 2])
    boxes = np.asarray(boxes)
    savemat(out_file, dict(headboxes_src=boxes.transpose(1, 2, 0)))
    return boxes


def is_standin(data_dir: str) -> bool:
    """Whether ``data_dir`` is a stand-in written by this module."""
    return osp.isfile(osp.join(data_dir, MARKER))

