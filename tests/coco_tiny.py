"""The tests' coco_tiny: the real set beside the checkout, or a stand-in.

The data-dependent tests train and evaluate on ``coco_tiny`` (4 COCO val2017
photos, ``test_coco.json``), which CI provides beside the checkout at
``../shared/data/coco_tiny``; they use it wherever it is present. A plain
clone has no such folder; there the tests run on a stand-in instead, written
once per session (``tests/conftest.py``): the project's own synthetic generator
(``mmpose_kd.datasets.synthetic``) draws the images, and they are written in
coco_tiny's layout with coco_tiny's file names, image ids and sizes, and its
instance counts - 14 people, 12 with labelled keypoints, 2 with
``num_keypoints=0`` - so the tests' assumptions (``[3/3]`` iterations an
epoch at batch 4, ``000000000785.jpg`` as the single-person image, several
boxes per image) hold on both.

The generator is called through its public function with every parameter
spelled out, so a change of its defaults does not change the stand-in.
"""
import json
import os
import os.path as osp
import shutil
from collections import Counter
from typing import Dict, List, Optional

import pytest

from mmpose_kd.datasets.synthetic import generate_synthetic_coco

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA_ROOT = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data')
ANN_FILE = 'test_coco.json'
REQUIRED_FILES = (ANN_FILE, '000000000785.jpg')
# What coco_tiny holds per image (see ../shared/data/README.md), and what the
# stand-in copies: file name, id, (W, H), people with and without keypoints.
COCO_TINY_IMAGES = (
    dict(file_name='000000000785.jpg', id=785, size=(640, 425),
         labelled=1, unlabelled=0),
    dict(file_name='000000040083.jpg', id=40083, size=(500, 333),
         labelled=2, unlabelled=1),
    dict(file_name='000000196141.jpg', id=196141, size=(640, 429),
         labelled=4, unlabelled=1),
    dict(file_name='000000197388.jpg', id=197388, size=(640, 392),
         labelled=5, unlabelled=0),
)
# Candidate scenes rendered per image; the first with exactly the wanted
# number of figures is kept (the generator draws 1..max_people uniformly,
# so missing a 5-person scene in 32 tries has a chance of about 1e-3).
NUM_CANDIDATES = 32
# Every generator parameter, explicit: the stand-in must not follow changes
# of the generator's defaults.
GENERATOR_PARAMS = dict(
    seed=0, person_scale=(0.12, 0.26), occlusion=0.5, clutter=1.0,
    min_keypoints=5, jpeg_quality=90)
MARKER = 'STANDIN.txt'


class StandinError(RuntimeError):
    """The generator's output cannot be shaped like coco_tiny."""


def running_in_ci() -> bool:
    return os.environ.get('CI', '').strip().lower() in ('1', 'true', 'yes')


def real_coco_tiny(shared_data_root: str, in_ci: bool) -> Optional[str]:
    """The real ``<shared_data_root>/coco_tiny``, or None if it is absent.

    Raises:
        pytest.fail.Exception: ``in_ci`` and files of the set are missing:
            CI must test the real photographs, never the stand-in.
    """
    path = osp.join(shared_data_root, 'coco_tiny')
    missing = [f for f in REQUIRED_FILES if not osp.isfile(osp.join(path, f))]
    if not missing:
        return path
    if in_ci:
        pytest.fail(f'test data {path} is missing {missing}; CI provides it '
                    'beside the checkout at ../shared/data', pytrace=False)
    return None


def _scene_with(ann_file: str, num_people: int):
    """(image entry, its annotations) of the first scene with exactly
    ``num_people`` figures in the generated ``ann_file``."""
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    by_image: Dict[int, List[Dict]] = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    for image in coco['images']:
        if len(by_image.get(image['id'], [])) == num_people:
            return image, by_image[image['id']], coco['categories']
    raise StandinError(
        f'none of the {len(coco["images"])} scenes in {ann_file} has exactly '
        f'{num_people} figures; raise NUM_CANDIDATES in {__file__}')


def _unlabel(ann: Dict) -> Dict:
    """A person drawn but without labelled keypoints, as in COCO."""
    return dict(ann, keypoints=[0.0] * len(ann['keypoints']), num_keypoints=0)


def check_visibility_mix(annotations: List[Dict]) -> Counter:
    """Count the visibility flags; raise unless 0, 1 and 2 all occur."""
    flags = Counter(int(v) for ann in annotations if ann['num_keypoints']
                    for v in ann['keypoints'][2::3])
    if not {0, 1, 2} <= set(flags):
        raise StandinError(
            f'the stand-in needs unlabelled (0), occluded (1) and visible (2) '
            f'keypoints among its labelled people; it has {dict(flags)}')
    return flags


def build_coco_tiny_standin(root: str) -> str:
    """Write the stand-in under ``root``; return its coco_tiny folder.

    Args:
        root: An empty or absent scratch folder. The generator's own output
            goes to ``root/generated``, the coco_tiny layout to
            ``root/coco_tiny``.

    Returns:
        The path of ``root/coco_tiny``: the images under their coco_tiny
        names, ``test_coco.json`` and a ``STANDIN.txt`` saying what it is.

    Raises:
        StandinError: The generator gave no scene with the people needed,
            or no mix of visibility flags.
    """
    generated = osp.join(root, 'generated')
    out_dir = osp.join(root, 'coco_tiny')
    os.makedirs(out_dir, exist_ok=True)
    images, annotations, categories = [], [], None
    for spec in COCO_TINY_IMAGES:
        num_people = spec['labelled'] + spec['unlabelled']
        split = f'image{spec["id"]}'
        result = generate_synthetic_coco(
            generated, split=split, num_images=NUM_CANDIDATES,
            image_size=spec['size'], max_people=num_people,
            **GENERATOR_PARAMS)
        image, people, categories = _scene_with(result['ann_file'],
                                                num_people)
        shutil.copyfile(osp.join(result['img_dir'], image['file_name']),
                        osp.join(out_dir, spec['file_name']))
        images.append(dict(id=spec['id'], file_name=spec['file_name'],
                           width=spec['size'][0], height=spec['size'][1]))
        # The smallest figures are the unlabelled ones, as in coco_tiny.
        people = sorted(people, key=lambda ann: ann['area'], reverse=True)
        for rank, ann in enumerate(people):
            if rank >= spec['labelled']:
                ann = _unlabel(ann)
            annotations.append(dict(ann, id=len(annotations) + 1,
                                    image_id=spec['id']))
    check_visibility_mix(annotations)
    coco = dict(
        info=dict(description='mmpose_kd test stand-in for coco_tiny: '
                  'synthetic figures, not photographs'),
        licenses=[], images=images, annotations=annotations,
        categories=categories)
    with open(osp.join(out_dir, ANN_FILE), 'w', encoding='utf-8') as f:
        json.dump(coco, f)
    with open(osp.join(out_dir, MARKER), 'w', encoding='utf-8') as f:
        f.write('Generated by tests/coco_tiny_standin.py because the real '
                'coco_tiny (../shared/data/coco_tiny) is absent.\n')
    return out_dir


def is_standin(data_dir: str) -> bool:
    """Whether ``data_dir`` is a stand-in written by this module."""
    return osp.isfile(osp.join(data_dir, MARKER))
