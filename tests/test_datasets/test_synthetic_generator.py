"""Tests of the synthetic COCO generator: determinism, validity, safety."""
import dataclasses
import json
import multiprocessing
import os
import os.path as osp

import numpy as np
import pytest
from pycocotools.coco import COCO

import mmpose_kd  # noqa: F401  (applies the CPU shims before mmpose imports)
from mmpose_kd.datasets.synthetic import (COCO_KEYPOINT_NAMES, COCO_SKELETON,
                                          SyntheticDataMismatchError,
                                          generate_synthetic_coco)
from mmpose_kd.datasets.synthetic import generator as generator_module
from mmpose_kd.datasets.synthetic.figures import (FACE_KEYPOINTS,
                                                  draw_figure, sample_figure)

TINY = dict(num_images=8, image_size=(96, 96), max_people=4)


def _tree(root):
    """{relative path: bytes} of every data file under ``root``."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            if not name.endswith('.lock'):
                with open(path, 'rb') as f:
                    files[osp.relpath(path, root)] = f.read()
    return files


@pytest.fixture(scope='module')
def tiny_set(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    info = generate_synthetic_coco(str(root), split='val', seed=3,
                                   **dict(TINY, num_images=16))
    return info


def test_same_seed_gives_identical_files(tmp_path):
    a = generate_synthetic_coco(str(tmp_path / 'a'), seed=5, **TINY)
    b = generate_synthetic_coco(str(tmp_path / 'b'), seed=5, **TINY)
    assert a['generated'] and b['generated']
    tree_a, tree_b = _tree(tmp_path / 'a'), _tree(tmp_path / 'b')
    assert len(tree_a) == 8 + 2  # images, annotation json, meta json
    assert tree_a == tree_b


def test_different_seed_or_split_gives_different_data(tmp_path):
    base = _tree(generate_synthetic_coco(str(tmp_path / 'a'), seed=0,
                                         **TINY)['img_dir'])
    other_seed = _tree(generate_synthetic_coco(str(tmp_path / 'b'), seed=1,
                                               **TINY)['img_dir'])
    other_split = _tree(generate_synthetic_coco(
        str(tmp_path / 'c'), seed=0, split='val', **TINY)['img_dir'])
    assert base.keys() == other_seed.keys() == other_split.keys()
    for other in (other_seed, other_split):
        assert all(base[k] != other[k] for k in base)


def test_coco_format_is_valid(tiny_set):
    coco = COCO(tiny_set['ann_file'])
    (cat, ) = coco.loadCats(coco.getCatIds())
    assert cat['id'] == 1 and cat['name'] == 'person'
    assert tuple(cat['keypoints']) == COCO_KEYPOINT_NAMES
    assert [tuple(s) for s in cat['skeleton']] == list(COCO_SKELETON)
    assert len(coco.getImgIds()) == 16
    for img in coco.loadImgs(coco.getImgIds()):
        assert (img['width'], img['height']) == (96, 96)
        assert osp.isfile(osp.join(tiny_set['img_dir'], img['file_name']))

    anns = coco.loadAnns(coco.getAnnIds())
    assert len({a['id'] for a in anns}) == len(anns)
    all_vis = []
    for ann in anns:
        assert ann['category_id'] == 1 and ann['iscrowd'] == 0
        kpts = np.array(ann['keypoints']).reshape(17, 3)
        vis = kpts[:, 2]
        all_vis.append(vis)
        assert set(vis) <= {0, 1, 2}
        assert ann['num_keypoints'] == np.count_nonzero(vis) > 0
        labelled = kpts[vis > 0, :2]
        assert (labelled >= 0).all() and (labelled <= 95).all()
        assert (kpts[vis == 0, :2] == 0).all()
        x, y, w, h = ann['bbox']
        assert 0 <= x and 0 <= y and x + w <= 96 and y + h <= 96
        assert (labelled[:, 0] >= x).all() and (labelled[:, 0] <= x + w).all()
        assert (labelled[:, 1] >= y).all() and (labelled[:, 1] <= y + h).all()
        assert 0 < ann['area'] <= w * h
    all_vis = np.concatenate(all_vis)
    counts = [np.count_nonzero(all_vis == v) for v in (0, 1, 2)]
    assert min(counts) > 0, f'visibility flags do not vary: {counts}'
    people = [len(coco.getAnnIds(imgIds=i)) for i in coco.getImgIds()]
    assert max(people) >= 2 and min(people) >= 1


def test_category_matches_mmpose_coco_metainfo():
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    names = [meta['keypoint_id2name'][i] for i in range(17)]
    assert tuple(names) == COCO_KEYPOINT_NAMES
    links = [(a + 1, b + 1) for a, b in meta['skeleton_links']]
    assert links == list(COCO_SKELETON)


@pytest.mark.parametrize('seed', range(6))
def test_keypoints_are_centres_of_drawn_joints(seed):
    """Each limb joint disc, drawn in a unique colour, is centred on its
    keypoint; face points and the rest lie on the figure's own pixels."""
    rng = np.random.default_rng(seed)
    figure = sample_figure(rng, (300.0, 300.0), torso_length=100.0)
    marker = (0, 255, 0)
    figure.style = dataclasses.replace(
        figure.style, joint=marker, outline=None,
        **{f: (90, 90, 90) for f in ('left_upper', 'left_lower',
                                     'right_upper', 'right_lower', 'torso',
                                     'head')})
    image = np.zeros((600, 600, 3), np.uint8)
    mask = np.zeros((600, 600), np.uint8)
    draw_figure(image, mask, figure)
    is_marker = np.all(image == marker, axis=2)
    ys, xs = np.mgrid[0:600, 0:600]
    radius = max(1.0, 0.42 * figure.thickness)
    checked = 0
    for k in (5, 6, 11, 12, 13, 14, 15, 16):  # shoulders, hips, knees, ankles
        x, y = figure.keypoints[k]
        near = is_marker & ((xs - x)**2 + (ys - y)**2 <= (radius + 0.5)**2)
        if near.sum() < 0.6 * np.pi * radius**2:
            continue  # partly under a hand drawn later: centroid is biased
        checked += 1
        assert abs(xs[near].mean() - x) < 0.5, (k, xs[near].mean(), x)
        assert abs(ys[near].mean() - y) < 0.5, (k, ys[near].mean(), y)
    assert checked >= 5
    for k in range(17):
        if figure.labelled[k]:
            x, y = np.round(figure.keypoints[k]).astype(int)
            assert mask[y, x] == 255, k
    assert figure.labelled.sum() in (17, 17 - len(FACE_KEYPOINTS))


def test_param_mismatch_names_directory_and_parameter(tmp_path):
    root = str(tmp_path / 'data')
    generate_synthetic_coco(root, **TINY)
    before = _tree(root)
    assert not generate_synthetic_coco(root, **TINY)['generated']
    with pytest.raises(SyntheticDataMismatchError) as err:
        generate_synthetic_coco(root, **dict(TINY, num_images=9))
    assert root in str(err.value) and 'num_images' in str(err.value)
    with pytest.raises(SyntheticDataMismatchError, match='seed'):
        generate_synthetic_coco(root, seed=1, **TINY)
    assert _tree(root) == before  # nothing deleted or rewritten


def test_foreign_data_is_never_touched(tmp_path):
    ann = tmp_path / 'annotations' / 'person_keypoints_train.json'
    ann.parent.mkdir()
    ann.write_text('{"user": "data"}')
    with pytest.raises(SyntheticDataMismatchError, match=str(tmp_path)):
        generate_synthetic_coco(str(tmp_path), **TINY)
    assert ann.read_text() == '{"user": "data"}'


def test_invalid_argument_is_named(tmp_path):
    with pytest.raises(ValueError, match='max_people'):
        generate_synthetic_coco(str(tmp_path), max_people=0)
    with pytest.raises(ValueError, match='image_size'):
        generate_synthetic_coco(str(tmp_path), image_size=96)


def test_crash_and_leftovers_do_not_break_next_generation(tmp_path,
                                                          monkeypatch):
    reference = _tree(generate_synthetic_coco(str(tmp_path / 'ref'),
                                              **TINY)['img_dir'])
    root = tmp_path / 'data'
    # A temp folder left by a killed process.
    stale = root / '.tmp_synthetic_coco_train_dead'
    (stale / 'images' / 'train').mkdir(parents=True)
    (stale / 'images' / 'train' / 'broken.jpg').write_bytes(b'xx')

    # A crash in the middle of rendering leaves no partial split behind.
    real_render = generator_module.render_scene
    calls = []

    def crashing_render(*args, **kwargs):
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError('simulated crash')
        return real_render(*args, **kwargs)

    monkeypatch.setattr(generator_module, 'render_scene', crashing_render)
    with pytest.raises(RuntimeError, match='simulated crash'):
        generate_synthetic_coco(str(root), **TINY)
    assert not (root / 'annotations').exists()
    assert not (root / 'images').exists()
    monkeypatch.setattr(generator_module, 'render_scene', real_render)

    info = generate_synthetic_coco(str(root), **TINY)
    assert info['generated'] and _tree(info['img_dir']) == reference
    assert not stale.exists()

    # An interrupted commit (meta and images moved, annotation not yet).
    os.remove(info['ann_file'])
    info = generate_synthetic_coco(str(root), **TINY)
    assert info['generated'] and osp.isfile(info['ann_file'])
    assert _tree(info['img_dir']) == reference


def _generate_in_child(root, queue):
    info = generate_synthetic_coco(root, **TINY)
    queue.put(info['generated'])


def test_concurrent_writers_produce_one_complete_set(tmp_path):
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    root = str(tmp_path / 'data')
    procs = [ctx.Process(target=_generate_in_child, args=(root, queue))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    generated = sorted(queue.get(timeout=5) for _ in procs)
    assert generated == [False, False, True]
    with open(osp.join(root, 'annotations', 'person_keypoints_train.json')) \
            as f:
        assert len(json.load(f)['images']) == 8
    assert not [n for n in os.listdir(root) if n.startswith('.tmp')]
