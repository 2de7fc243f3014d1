"""Tests of SyntheticCocoDataset with MMPose's own pipeline and CocoMetric."""
import numpy as np
import pytest

import mmpose_kd  # noqa: F401  (applies the CPU shims before mmpose imports)
from mmengine.registry import init_default_scope
from mmpose.evaluation import CocoMetric

from mmpose_kd.datasets import SyntheticCocoDataset
from mmpose_kd.registry import DATASETS

GENERATE = dict(num_images=8, image_size=(96, 96), seed=0)
CODEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16),
             sigma=2)
PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=CODEC['input_size']),
    dict(type='GenerateTarget', encoder=CODEC),
    dict(type='PackPoseInputs', pack_transformed=True),
]


def _build(root, split='train', **kwargs):
    init_default_scope('mmpose')
    return DATASETS.build(
        dict(type='mmpose_kd.SyntheticCocoDataset', data_root=str(root),
             split=split, generate=GENERATE, **kwargs))


def test_builds_generates_and_yields_topdown_samples(tmp_path):
    dataset = _build(tmp_path, pipeline=PIPELINE)
    assert isinstance(dataset, SyntheticCocoDataset)
    assert (tmp_path / 'annotations' / 'person_keypoints_train.json').is_file()
    assert dataset.metainfo['num_keypoints'] == 17
    assert len(dataset) >= 8  # one sample per person, >= 1 person per image

    visible_counts = []
    for idx in range(4):
        sample = dataset[idx]
        assert tuple(sample['inputs'].shape) == (3, 64, 48)
        data_sample = sample['data_samples']
        heatmaps = data_sample.gt_fields.heatmaps
        assert tuple(heatmaps.shape) == (17, 16, 12)
        weights = data_sample.gt_instance_labels.keypoint_weights[0]
        visible_counts.append(int((weights > 0).sum()))
        # Each weighted target peaks where the keypoint lands in the crop.
        kpts = data_sample.gt_instances.transformed_keypoints[0] / 4
        for k in np.flatnonzero(weights.numpy() > 0):
            y, x = np.unravel_index(int(heatmaps[k].argmax()), (16, 12))
            assert abs(x - kpts[k, 0]) <= 1 and abs(y - kpts[k, 1]) <= 1
    assert min(visible_counts) >= 1


def test_coco_metric_gives_ap_one_for_ground_truth(tmp_path):
    dataset = _build(tmp_path, split='val', test_mode=True)
    metric = CocoMetric(ann_file=dataset.ann_file,
                        outfile_prefix=str(tmp_path / 'results'))
    metric.dataset_meta = dataset.metainfo
    samples = []
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        samples.append(dict(
            id=info['id'], img_id=info['img_id'], gt_instances=dict(),
            pred_instances=dict(
                keypoints=info['keypoints'],
                keypoint_scores=np.ones(info['keypoints'].shape[:2]))))
    metric.process([], samples)
    results = metric.evaluate(len(samples))
    assert results['coco/AP'] == pytest.approx(1.0)
    assert results['coco/AR'] == pytest.approx(1.0)

    # A wrong prediction is penalised: the metric is not trivially 1.
    metric.results.clear()
    for s in samples:
        s['pred_instances']['keypoints'] = s['pred_instances'][
            'keypoints'] + 6.0
    metric.process([], samples)
    assert metric.evaluate(len(samples))['coco/AP'] < 0.5


def test_reuses_existing_data_and_reports_mismatch(tmp_path):
    _build(tmp_path)
    again = _build(tmp_path)  # same parameters: reused, not regenerated
    assert len(again) > 0
    with pytest.raises(ValueError) as err:
        init_default_scope('mmpose')
        DATASETS.build(dict(type='mmpose_kd.SyntheticCocoDataset',
                            data_root=str(tmp_path),
                            generate=dict(GENERATE, num_images=9)))
    assert str(tmp_path) in str(err.value) and 'num_images' in str(err.value)


def test_rejects_unknown_generate_key_and_foreign_ann_file(tmp_path):
    with pytest.raises(TypeError, match='num_imgs'):
        SyntheticCocoDataset(data_root=str(tmp_path),
                             generate=dict(num_imgs=3))
    with pytest.raises(ValueError, match='ann_file'):
        SyntheticCocoDataset(data_root=str(tmp_path),
                             ann_file='annotations/other.json',
                             generate=GENERATE)
