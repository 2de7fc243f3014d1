"""The tiny COCO-WholeBody stand-in (tests/coco_wholebody_tiny.py) is read
by MMPose's own dataset class and metric, with its parts on the figures.

Built here from the session's coco_tiny (the real photographs in CI, the
synthetic stand-in on a plain clone), so it is checked on both.
"""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import DATASETS, METRICS
from mmpose.structures import PoseDataSample

from tests.coco_wholebody_tiny import (ANN_FILE, FOOT_LAYOUT, HAND_LAYOUT,
                                       HEAD_RADIUS,
                                       build_coco_wholebody_standin)


def _perfect_predictions(dataset):
    """Data samples predicting every instance's ground truth."""
    samples = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        sample = PoseDataSample(metainfo=dict(
            id=info['id'], img_id=info['img_id'],
            ori_shape=(1, 1), category_id=info['category_id']))
        sample.gt_instances = InstanceData(bbox_scores=np.ones(1))
        sample.pred_instances = InstanceData(
            keypoints=info['keypoints'],
            keypoint_scores=np.ones(info['keypoints'].shape[:2]),
            bboxes=info['bbox'], bbox_scores=np.ones(1),
            areas=np.asarray([info['area']]).reshape(1))
        samples.append(sample.to_dict())
    return samples


def test_standin_is_read_by_mmpose_dataset_and_metric(coco_tiny_dir,
                                                      tmp_path):
    """The generated file (built here from the session's coco_tiny) loads in
    CocoWholeBodyDataset with parts where the figure has them, and a
    perfect prediction scores AP 1 in CocoWholeBodyMetric."""
    root = build_coco_wholebody_standin(coco_tiny_dir, str(tmp_path / 'wb'))
    init_default_scope('mmpose')
    dataset = DATASETS.build(dict(
        type='CocoWholeBodyDataset', data_root=root, data_mode='topdown',
        ann_file=ANN_FILE, data_prefix=dict(img=''), pipeline=[],
        test_mode=True))
    assert len(dataset) == 12  # coco_tiny's labelled people
    with open(osp.join(root, ANN_FILE), encoding='utf-8') as f:
        annotations = json.load(f)['annotations']
    labelled = [a for a in annotations if a['num_keypoints'] > 0]
    for ann in labelled:
        assert len(ann['keypoints'] + ann['foot_kpts'] + ann['face_kpts'] +
                   ann['lefthand_kpts'] + ann['righthand_kpts']) == 133 * 3
    _check_parts_on_the_figure(labelled)

    metric = METRICS.build(dict(type='CocoWholeBodyMetric',
                                ann_file=osp.join(root, ANN_FILE),
                                outfile_prefix=str(tmp_path / 'eval')))
    metric.dataset_meta = dataset.metainfo
    metric.process([], _perfect_predictions(dataset))
    results = metric.evaluate(len(dataset))
    assert results['coco-wholebody/AP'] == pytest.approx(1.0)


def _check_parts_on_the_figure(annotations):
    """Feet by the ankles, hands at the wrists, the face around the head."""
    near = {'foot_kpts': max(np.hypot(*o) for o in FOOT_LAYOUT),
            'lefthand_kpts': max(np.hypot(*o) for o in HAND_LAYOUT),
            'righthand_kpts': max(np.hypot(*o) for o in HAND_LAYOUT)}
    anchors = {'foot_kpts': (15, 16), 'lefthand_kpts': (9, ),
               'righthand_kpts': (10, )}
    parts_seen = set()
    for ann in annotations:
        body = np.asarray(ann['keypoints']).reshape(17, 3)
        torso = ann['bbox'][3]  # an upper bound of the torso length
        for part, anchor_ids in anchors.items():
            points = np.asarray(ann[part]).reshape(-1, 3)
            for xy in points[points[:, 2] > 0, :2]:
                distance = min(np.hypot(*(xy - body[i, :2]))
                               for i in anchor_ids)
                assert distance <= near[part] * torso + 1e-6, part
                parts_seen.add(part)
        face = np.asarray(ann['face_kpts']).reshape(-1, 3)
        head = body[:5][body[:5, 2] > 0, :2]
        if len(head) and (face[:, 2] > 0).any():
            spread = np.hypot(*(face[face[:, 2] > 0, :2]
                                - head.mean(0)).T).max()
            assert spread <= HEAD_RADIUS * torso
            parts_seen.add('face_kpts')
    assert parts_seen == {'foot_kpts', 'face_kpts', 'lefthand_kpts',
                          'righthand_kpts'}
