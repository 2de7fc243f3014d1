"""MPII's own annotation format: a file of another format is named, with
the format expected and what the file holds instead."""
import json
import shutil

import pytest
from mmengine.registry import init_default_scope
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.datasets.datasets.body import MpiiDataset
from mmpose.registry import DATASETS

from mmpose_kd.datasets import (AnnotationFileError,
                                name_annotation_file_in_errors)
from mmpose_kd.datasets.annotation_file_errors import (
    ANNOTATION_FORMATS, annotation_format, describe_wrong_top_level)

#: One person in MMPose's MPII JSON format (16 joints, 1-based centre).
MPII_ENTRY = dict(
    image='000000000785.jpg', center=[380.0, 220.0], scale=1.8,
    joints=[[370.0 + 2 * k, 100.0 + 10 * k] for k in range(16)],
    joints_vis=[1] * 16)


@pytest.fixture
def data_dir(coco_tiny_dir, tmp_path):
    """coco_tiny's files, plus ``mpii.json`` on one of its photos."""
    init_default_scope('mmpose')
    root = tmp_path / 'data'
    shutil.copytree(coco_tiny_dir, root)
    (root / 'mpii.json').write_text(json.dumps([MPII_ENTRY]))
    return root


def build(root, ann_file, type_='MpiiDataset'):
    return DATASETS.build(dict(
        type=type_, data_root=str(root), data_mode='topdown',
        ann_file=ann_file, data_prefix=dict(img=''), pipeline=[]))


def test_coco_file_given_to_mpii_names_file_and_formats(data_dir):
    with pytest.raises(AnnotationFileError) as error:
        build(data_dir, 'test_coco.json')
    message = str(error.value)
    path = str(data_dir / 'test_coco.json')
    assert message.startswith(
        f'MpiiDataset: annotation file {path!r} is not valid '
        "MMPose's MPII JSON (a list of one entry per person with 'image', "
        "'center', 'scale', 'joints' and 'joints_vis')")
    assert ("The file holds a JSON object with keys ['annotations', "
            "'categories', 'images', 'info', 'licenses'] (COCO style), not "
            'a JSON list') in message
    # still what MMPose raised there, with MMPose's error chained
    assert isinstance(error.value, TypeError)
    assert type(error.value.__cause__) is TypeError


def test_mpii_file_given_to_coco_says_what_it_holds(data_dir):
    with pytest.raises(AnnotationFileError,
                       match=r"CocoDataset: annotation file .*mpii\.json' is "
                       r'not valid COCO keypoint data .* The file holds a '
                       r'JSON list of 1 items, not a JSON object'):
        build(data_dir, 'mpii.json', 'CocoDataset')


def test_missing_mpii_file_is_named(data_dir):
    with pytest.raises(FileNotFoundError,
                       match=r'MpiiDataset: annotation file .*nope\.json'):
        build(data_dir, 'nope.json')


def test_valid_mpii_file_loads_as_before(data_dir):
    dataset = build(data_dir, 'mpii.json')
    assert len(dataset) == 1
    assert dataset[0]['keypoints'].shape == (1, 16, 2)


def test_format_of_a_class_is_its_nearest_listed_base():
    class CustomMpii(MpiiDataset):
        pass

    assert annotation_format(CustomMpii) is ANNOTATION_FORMATS[MpiiDataset]
    assert annotation_format(DATASETS.get('CrowdPoseDataset')) is \
        ANNOTATION_FORMATS[BaseCocoStyleDataset]


def test_the_right_top_level_or_broken_json_adds_nothing(tmp_path):
    (tmp_path / 'list.json').write_text('[1, 2]')
    (tmp_path / 'broken.json').write_text('{"images": [')
    assert describe_wrong_top_level(str(tmp_path / 'list.json'), list) is None
    assert describe_wrong_top_level(str(tmp_path / 'broken.json'),
                                    dict) is None
    assert describe_wrong_top_level(str(tmp_path / 'list.json'), dict) == \
        'a JSON list of 2 items'


def test_both_loaders_are_wrapped_once():
    for cls in (BaseCocoStyleDataset, MpiiDataset):
        assert getattr(cls._load_annotations,
                       '_mmpose_kd_names_annotation_file', False), cls
    assert name_annotation_file_in_errors() is False
