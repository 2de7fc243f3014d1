"""The tests' mpii_tiny (tests/mpii_tiny.py): the real set or the generated
stand-in, each read by MMPose's MpiiDataset and scored by its PCKh metric
with the generated head boxes.

The stand-in is built here whatever the session uses, so it is checked in
CI (where the real set is present) as well as on a plain clone.
"""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import DATASETS, METRICS
from mmpose.structures import PoseDataSample

from mmpose_kd.datasets.synthetic import COCO_KEYPOINT_NAMES
from tests.coco_tiny import SHARED_DATA_ROOT, running_in_ci
from tests.mpii_tiny import (ANN_FILE, NUM_PEOPLE, build_mpii_tiny_standin,
                             coco_to_mpii, is_standin, mpii_keypoint_names,
                             real_mpii_tiny, write_headboxes)


@pytest.fixture(scope='module')
def standin_dir(tmp_path_factory):
    return build_mpii_tiny_standin(str(tmp_path_factory.mktemp('mpii')))


def build(data_dir, headbox_file):
    init_default_scope('mmpose')
    return DATASETS.build(dict(
        type='MpiiDataset', data_root=data_dir, data_mode='topdown',
        ann_file=ANN_FILE, headbox_file=headbox_file,
        data_prefix=dict(img=''), pipeline=[], test_mode=True))


def perfect_pckh(dataset) -> dict:
    """MpiiPCKAccuracy of predictions equal to the ground truth."""
    metric = METRICS.build(dict(type='MpiiPCKAccuracy'))
    metric.dataset_meta = dataset.metainfo
    samples = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        sample = PoseDataSample()
        sample.gt_instances = InstanceData(
            keypoints=info['keypoints'],
            keypoints_visible=info['keypoints_visible'],
            head_size=info['head_size'], bboxes=info['bbox'])
        sample.pred_instances = InstanceData(keypoints=info['keypoints'])
        samples.append(sample.to_dict())
    metric.process([], samples)
    return metric.evaluate(len(dataset))


@pytest.mark.parametrize('which', ['session', 'standin'])
def test_set_is_read_by_mpii_dataset_and_pckh(which, standin_dir, tmp_path):
    data_dir = standin_dir if which == 'standin' else (
        real_mpii_tiny(SHARED_DATA_ROOT, running_in_ci()) or standin_dir)
    assert is_standin(data_dir) == (data_dir == standin_dir)
    boxes = write_headboxes(data_dir, str(tmp_path / 'headboxes.mat'))
    dataset = build(data_dir, str(tmp_path / 'headboxes.mat'))
    assert len(dataset) == len(boxes) == NUM_PEOPLE
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        assert info['keypoints'].shape == (1, 16, 2)
        assert info['keypoints_visible'].sum() >= 12
        assert osp.isfile(info['img_path'])
        # a head box a few percent of the person's scale, not degenerate
        assert 0.02 < info['head_size'].item() / info['bbox_scale'].max() \
            < 0.5
    assert perfect_pckh(dataset)['PCK'] == pytest.approx(100.0)


def test_coco_points_map_to_mpii_by_name():
    names = mpii_keypoint_names()
    assert len(names) == 16 and names[9] == 'head_top'
    coco = np.zeros((17, 3))
    for k, name in enumerate(COCO_KEYPOINT_NAMES):
        coco[k] = (10 * k, 100 + k, 2)
    mpii = coco_to_mpii(coco.reshape(-1).tolist())
    joints = dict(zip(names, mpii['joints']))
    assert mpii['joints_vis'] == [1] * 16
    for name in set(names) & set(COCO_KEYPOINT_NAMES):
        k = COCO_KEYPOINT_NAMES.index(name)
        assert joints[name] == [10.0 * k, 100.0 + k], name
    hips = [COCO_KEYPOINT_NAMES.index(n) for n in ('left_hip', 'right_hip')]
    assert joints['pelvis'] == list(coco[hips, :2].mean(0))
    # the head axis runs from the thorax through the face: neck, then top
    thorax = np.asarray(joints['thorax'])
    neck, top = np.asarray(joints['upper_neck']), np.asarray(
        joints['head_top'])
    assert np.linalg.norm(top - thorax) > np.linalg.norm(neck - thorax)
    # an unlabelled source leaves what depends on it unlabelled
    coco[COCO_KEYPOINT_NAMES.index('left_hip'), 2] = 0
    vis = dict(zip(names, coco_to_mpii(coco.reshape(-1).tolist())
                   ['joints_vis']))
    assert vis['left_hip'] == vis['pelvis'] == vis['head_top'] == 0
    assert vis['right_hip'] == vis['thorax'] == 1


def test_standin_entries_are_one_person_per_image(standin_dir):
    with open(osp.join(standin_dir, ANN_FILE), encoding='utf-8') as f:
        entries = json.load(f)
    assert len({e['image'] for e in entries}) == len(entries) == NUM_PEOPLE
    assert all(set(e) == {'image', 'center', 'scale', 'joints',
                          'joints_vis'} for e in entries)
