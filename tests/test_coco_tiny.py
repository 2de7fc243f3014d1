"""Which coco_tiny the tests get, and that the stand-in has coco_tiny's shape.

The real set is used wherever it is present; the generated stand-in only on
a clone without it; under CI a missing real set fails. Whichever set this
session uses, it must hold what the data-dependent tests assume of it.
"""
import json
import os.path as osp
from collections import Counter

import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

from tests.coco_tiny import (ANN_FILE, COCO_TINY_IMAGES, SHARED_DATA_ROOT,
                             StandinError, build_coco_tiny_standin,
                             check_visibility_mix, is_standin,
                             real_coco_tiny)


def load(data_dir):
    with open(osp.join(data_dir, ANN_FILE), encoding='utf-8') as f:
        return json.load(f)


def assert_shaped_like_coco_tiny(data_dir):
    """The file names, ids, sizes and people per image of coco_tiny."""
    coco = load(data_dir)
    assert [(im['file_name'], im['id'], (im['width'], im['height']))
            for im in coco['images']] == [
                (s['file_name'], s['id'], s['size']) for s in COCO_TINY_IMAGES]
    for spec in COCO_TINY_IMAGES:
        people = [a for a in coco['annotations']
                  if a['image_id'] == spec['id']]
        assert sum(a['num_keypoints'] > 0 for a in people) == \
            spec['labelled'], spec['file_name']
        assert sum(a['num_keypoints'] == 0 for a in people) == \
            spec['unlabelled'], spec['file_name']
        assert osp.isfile(osp.join(data_dir, spec['file_name']))
    for ann in coco['annotations']:
        flags = ann['keypoints'][2::3]
        assert len(flags) == 17 and ann['iscrowd'] == 0
        assert ann['num_keypoints'] == sum(v > 0 for v in flags)
        assert ann['area'] > 0 and min(ann['bbox'][2:]) > 0
    assert coco['categories'][0]['name'] == 'person'
    check_visibility_mix(coco['annotations'])
    # What the Runner tests count on: 12 training instances, 3 per epoch at
    # batch 4, after MMPose drops the people without keypoints.
    init_default_scope('mmpose')
    dataset = DATASETS.build(dict(
        type='CocoDataset', data_root=data_dir, data_mode='topdown',
        ann_file=ANN_FILE, data_prefix=dict(img=''), pipeline=[]))
    assert len(dataset) == 12


def test_the_session_set_is_shaped_like_coco_tiny(coco_tiny_dir):
    """In CI this checks the real set against the layout the stand-in copies;
    on a plain clone, the stand-in the session wrote."""
    assert_shaped_like_coco_tiny(coco_tiny_dir)


def test_the_session_uses_the_real_set_whenever_it_is_present(coco_tiny_dir):
    real = osp.join(SHARED_DATA_ROOT, 'coco_tiny')
    if osp.isfile(osp.join(real, ANN_FILE)):
        assert coco_tiny_dir == real and not is_standin(coco_tiny_dir)
        assert load(real)['info']['description'] == \
            'For testing COCO dataset only.'
    else:
        assert is_standin(coco_tiny_dir)


def test_stand_in_is_written_in_the_coco_tiny_layout(tmp_path):
    data_dir = build_coco_tiny_standin(str(tmp_path))
    assert data_dir == str(tmp_path / 'coco_tiny') and is_standin(data_dir)
    assert_shaped_like_coco_tiny(data_dir)
    assert 'synthetic' in load(data_dir)['info']['description']


def test_real_set_is_chosen_when_present_and_required_in_ci(tmp_path):
    shared = tmp_path / 'shared' / 'data'
    assert real_coco_tiny(str(shared), in_ci=False) is None
    with pytest.raises(pytest.fail.Exception, match=r'coco_tiny is missing '
                       r"\['test_coco.json', '000000000785.jpg'\]"):
        real_coco_tiny(str(shared), in_ci=True)
    (shared / 'coco_tiny').mkdir(parents=True)
    (shared / 'coco_tiny' / ANN_FILE).write_text('{}')
    with pytest.raises(pytest.fail.Exception, match=r"\['000000000785.jpg'\]"):
        real_coco_tiny(str(shared), in_ci=True)
    (shared / 'coco_tiny' / '000000000785.jpg').write_bytes(b'')
    for in_ci in (False, True):
        assert real_coco_tiny(str(shared), in_ci) == str(shared / 'coco_tiny')


def test_missing_visibility_flags_are_refused():
    labelled = dict(num_keypoints=17, keypoints=[1.0, 1.0, 2.0] * 17)
    with pytest.raises(StandinError, match=r'occluded \(1\).*\{2: 17\}'):
        check_visibility_mix([labelled])
    unlabelled = dict(num_keypoints=0, keypoints=[0.0] * 51)
    mixed = dict(num_keypoints=2, keypoints=[1.0, 1.0, 1.0] + [0.0] * 45 +
                 [1.0, 1.0, 2.0])
    assert check_visibility_mix([labelled, unlabelled, mixed]) == Counter(
        {2: 18, 1: 1, 0: 15})
