"""Bad data files are named: missing images, missing or corrupt annotations."""
import json
import os
import shutil

import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

from mmpose_kd.datasets import AnnotationFileError

PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(48, 64)),
    dict(type='PackPoseInputs'),
]


@pytest.fixture
def coco_copy(coco_tiny_dir, tmp_path):
    init_default_scope('mmpose')
    root = tmp_path / 'coco'
    shutil.copytree(coco_tiny_dir, root)
    return root


def build(root, ann_file='test_coco.json', type_='CocoDataset'):
    return DATASETS.build(dict(
        type=type_, data_root=str(root), data_mode='topdown',
        ann_file=ann_file, data_prefix=dict(img=''), pipeline=PIPELINE))


def test_missing_image_is_named(coco_copy):
    dataset = build(coco_copy)
    image = dataset.get_data_info(0)['img_path']
    os.remove(image)
    with pytest.raises(FileNotFoundError, match=os.path.basename(image)):
        dataset[0]


def test_missing_annotation_file_is_named(coco_copy):
    with pytest.raises(FileNotFoundError,
                       match=r'CocoDataset: annotation file .*nope.json'):
        build(coco_copy, 'nope.json')


@pytest.mark.parametrize('content, cause', [
    ('{"images": [', 'JSONDecodeError'),
    (json.dumps({'images': [], 'annotations': [{'id': 1}]}), 'KeyError'),
    (json.dumps([1, 2, 3]), ''),
])
def test_corrupt_annotation_file_is_named(coco_copy, content, cause):
    (coco_copy / 'broken.json').write_text(content)
    with pytest.raises(AnnotationFileError,
                       match=rf'CocoDataset: annotation file .*broken.json.*'
                       rf'not valid COCO.*{cause}') as error:
        build(coco_copy, 'broken.json')
    assert error.value.__cause__ is not None  # the original error is kept


def test_valid_files_load_as_before(coco_copy):
    dataset = build(coco_copy)
    assert len(dataset) > 0
    assert dataset[0]['inputs'].shape[-2:] == (64, 48)


@pytest.mark.parametrize('content, mmpose_error', [
    ('{"images": [', json.JSONDecodeError),
    (json.dumps({'images': [], 'annotations': [{'id': 1}]}), KeyError),
])
def test_mmpose_exception_types_stay_catchable(coco_copy, content,
                                               mmpose_error):
    (coco_copy / 'broken.json').write_text(content)
    # Code written for plain MMPose catches what MMPose raises here.
    with pytest.raises(mmpose_error) as error:
        build(coco_copy, 'broken.json')
    assert isinstance(error.value, AnnotationFileError)
    assert str(error.value).startswith('CocoDataset: annotation file ')
    assert type(error.value.__cause__) is mmpose_error


def test_json_error_keeps_its_position(coco_copy):
    (coco_copy / 'broken.json').write_text('{"images": [')
    with pytest.raises(json.JSONDecodeError) as error:
        build(coco_copy, 'broken.json')
    assert error.value.pos == error.value.__cause__.pos == 12


def test_missing_annotation_file_is_still_an_assertion_error(coco_copy):
    # MMPose itself reports a missing file with `assert exists(...)`.
    with pytest.raises(AssertionError, match=r'nope.json'):
        build(coco_copy, 'nope.json')


def test_the_wrapper_is_applied_from_compat_only():
    """Importing the module patches nothing; compat applies it, once."""
    import importlib.util
    import subprocess
    import sys
    from mmpose.datasets.datasets.base import BaseCocoStyleDataset

    from mmpose_kd import compat
    from mmpose_kd.datasets import annotation_file_errors
    assert getattr(BaseCocoStyleDataset._load_annotations,
                   '_mmpose_kd_names_annotation_file', False)
    assert compat.shim_annotation_file_errors() is False  # already in
    # re-running the module body (into a copy: reloading it in place would
    # replace the error classes other tests have imported)
    spec = importlib.util.spec_from_file_location(
        'annotation_file_errors_copy', annotation_file_errors.__file__)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert compat.shim_annotation_file_errors() is False
    # a fresh process: the dataset module alone leaves MMPose untouched
    script = (
        'import sys, importlib.util\n'
        f'spec = importlib.util.spec_from_file_location("compat", '
        f'{compat.__file__!r})\n'
        'standins = importlib.util.module_from_spec(spec)\n'
        'spec.loader.exec_module(standins)\n'
        'standins.shim_mmcv_ext(); standins.shim_simcc_visualizer()\n'
        f'sys.path.insert(0, {annotation_file_errors.__file__!r}'
        '.rsplit("/", 1)[0])\n'
        'import annotation_file_errors\n'
        'from mmpose.datasets.datasets.base import BaseCocoStyleDataset\n'
        'print(getattr(BaseCocoStyleDataset._load_annotations, '
        '"_mmpose_kd_names_annotation_file", False))\n')
    result = subprocess.run([sys.executable, '-c', script], cwd='/',
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == 'False'
