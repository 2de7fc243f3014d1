"""The tests' COCO-WholeBody set: coco_tiny's real file, or a stand-in.

The COCO-WholeBody recipes are trained and evaluated on coco_tiny's
``test_coco_wholebody.json`` (the same 4 photos and 14 people as
``test_coco.json``, 133 keypoints each), which CI provides beside the
checkout. Where coco_tiny is the generated stand-in (tests/coco_tiny.py: the
project's synthetic figures), the whole-body file is generated too: each
figure keeps its 17 body points and gets 6 foot points beside its ankles, 68
face points on its head and 21 points per hand at its wrists, in the keys
``CocoWholeBodyDataset`` and ``CocoWholeBodyMetric`` read (``foot_kpts``,
``face_kpts``, ``lefthand_kpts``, ``righthand_kpts``, the ``*_valid`` flags
and ``*_box`` boxes, with the body's ``bbox``, ``area`` and
``segmentation``), so MMPose reads it unchanged. A part takes its anchor's
visibility flag (ankle, wrist, the labelled face points'); a point outside
the image is unlabelled.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pytest

from mmpose_kd.datasets.synthetic import COCO_KEYPOINT_NAMES
from tests.coco_tiny import ANN_FILE as COCO_ANN_FILE

ANN_FILE = 'test_coco_wholebody.json'
MARKER = 'STANDIN.txt'
FACE_POINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear')
# Offsets (along the limb, across it) in torso lengths: big toe, small toe,
# heel beside the ankle (shin direction); the hand's root at the wrist, then
# four joints per finger, thumb to little finger (forearm direction).
FOOT_LAYOUT = ((0.05, 0.22), (0.05, 0.15), (0.02, -0.06))
HAND_LAYOUT = ((0.0, 0.0), ) + tuple(
    (0.06 + 0.045 * joint, 0.035 * (finger - 2)) for finger in range(5)
    for joint in range(1, 5))
# 68 face points on a sunflower spiral over the head disc (radius 0.24
# torso lengths, the generator's head size).
HEAD_RADIUS = 0.24
FACE_LAYOUT = tuple(
    (0.85 * HEAD_RADIUS * np.sqrt((i + 0.5) / 68) * np.cos(2.39996 * i),
     0.85 * HEAD_RADIUS * np.sqrt((i + 0.5) / 68) * np.sin(2.39996 * i))
    for i in range(68))


def real_coco_wholebody_tiny(coco_tiny_dir: str,
                             in_ci: bool) -> Optional[str]:
    """``coco_tiny_dir`` if it holds ``test_coco_wholebody.json``, else None.

    Raises:
        pytest.fail.Exception: ``in_ci`` and the file is missing.
    """
    if osp.isfile(osp.join(coco_tiny_dir, ANN_FILE)):
        return coco_tiny_dir
    if in_ci:
        pytest.fail(f'test data {coco_tiny_dir} has no {ANN_FILE}; CI '
                    'provides coco_tiny with it at ../shared/data',
                    pytrace=False)
    return None


def _place(anchor: np.ndarray, direction: np.ndarray, scale: float,
           layout: Sequence[Tuple[float, float]]) -> np.ndarray:
    """Points at ``anchor + scale * (a * u + c * n)`` for each ``(a, c)`` of
    ``layout``; ``u`` is ``direction`` normalised, ``n`` its normal."""
    along = direction / max(np.linalg.norm(direction), 1e-6)
    across = np.array([-along[1], along[0]])
    offsets = np.asarray(layout, dtype=np.float64)
    return anchor + scale * (offsets[:, :1] * along + offsets[:, 1:] * across)


def _part(points: np.ndarray, flag: int, size: Tuple[int, int]) -> list:
    """COCO triplets of ``points`` with visibility ``flag``; points outside
    the image (``size`` = W, H) are unlabelled."""
    width, height = size
    out = []
    for x, y in points:
        inside = flag > 0 and 0 <= x <= width - 1 and 0 <= y <= height - 1
        out += [round(float(x), 2), round(float(y), 2), flag] if inside \
            else [0.0, 0.0, 0]
    return out


def _box(triplets: List[float]) -> List[float]:
    """xywh around the labelled points; zeros where none is."""
    xyv = np.asarray(triplets).reshape(-1, 3)
    xy = xyv[xyv[:, 2] > 0, :2]
    if not len(xy):
        return [0.0, 0.0, 0.0, 0.0]
    (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
    return [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]


def whole_body_parts(keypoints: List[float], bbox: List[float],
                     size: Tuple[int, int]) -> Dict:
    """The whole-body fields of one person, placed on its 17 body
    ``keypoints`` (COCO triplets) in an image of ``size`` (W, H)."""
    body = np.asarray(keypoints, dtype=np.float64).reshape(-1, 3)
    kpt = {n: body[i, :2] for i, n in enumerate(COCO_KEYPOINT_NAMES)}
    flag = {n: int(body[i, 2]) for i, n in enumerate(COCO_KEYPOINT_NAMES)}
    labelled = {n for n, v in flag.items() if v > 0}
    torso = bbox[3] / 3
    if {'left_shoulder', 'right_shoulder', 'left_hip', 'right_hip'} \
            <= labelled:
        torso = float(np.linalg.norm(
            kpt['left_shoulder'] + kpt['right_shoulder'] - kpt['left_hip']
            - kpt['right_hip']) / 2)

    def limb(side, joint, end, layout):
        """Points beyond ``end``, along ``joint`` -> ``end``."""
        start, tip = f'{side}_{joint}', f'{side}_{end}'
        direction = kpt[tip] - kpt[start] if start in labelled \
            else np.array([0.0, 1.0])
        return _part(_place(kpt[tip], direction, torso, layout), flag[tip],
                     size)

    face = [n for n in FACE_POINTS if n in labelled]
    centre = np.mean([kpt[n] for n in face], axis=0) if face else np.zeros(2)
    fields = dict(
        foot_kpts=limb('left', 'knee', 'ankle', FOOT_LAYOUT)
        + limb('right', 'knee', 'ankle', FOOT_LAYOUT),
        face_kpts=_part(_place(centre, np.array([1.0, 0.0]), torso,
                               FACE_LAYOUT),
                        max([flag[n] for n in face], default=0), size),
        lefthand_kpts=limb('left', 'elbow', 'wrist', HAND_LAYOUT),
        righthand_kpts=limb('right', 'elbow', 'wrist', HAND_LAYOUT))
    for part in ('foot', 'face', 'lefthand', 'righthand'):
        fields[f'{part}_valid'] = any(v > 0 for v in
                                      fields[f'{part}_kpts'][2::3])
    for part in ('face', 'lefthand', 'righthand'):
        fields[f'{part}_box'] = _box(fields[f'{part}_kpts'])
    return fields


def build_coco_wholebody_standin(coco_dir: str, out_dir: str) -> str:
    """Write ``out_dir/test_coco_wholebody.json`` (plus coco_tiny's images
    and a ``STANDIN.txt``) from ``coco_dir``'s ``test_coco.json``; return
    ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(coco_dir, COCO_ANN_FILE), encoding='utf-8') as f:
        coco = json.load(f)
    sizes = {im['id']: (im['width'], im['height']) for im in coco['images']}
    for image in coco['images']:
        shutil.copyfile(osp.join(coco_dir, image['file_name']),
                        osp.join(out_dir, image['file_name']))
    coco['annotations'] = [
        dict(ann, **whole_body_parts(ann['keypoints'], ann['bbox'],
                                     sizes[ann['image_id']]))
        for ann in coco['annotations']]
    coco['info'] = dict(description='mmpose_kd test stand-in for coco_tiny '
                        "'s COCO-WholeBody file: parts placed on the figures")
    with open(osp.join(out_dir, ANN_FILE), 'w', encoding='utf-8') as f:
        json.dump(coco, f)
    with open(osp.join(out_dir, MARKER), 'w', encoding='utf-8') as f:
        f.write('Generated by tests/coco_wholebody_tiny.py because '
                f'{coco_dir} has no {ANN_FILE}.\n')
    return out_dir
