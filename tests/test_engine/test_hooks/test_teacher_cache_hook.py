"""TeacherCacheHook: the cache must fit the training data and crop, the
workers must see the epoch, and the epoch reaches the replay transform."""
import json
import os.path as osp
import shutil
from types import SimpleNamespace

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import EpochBasedTrainLoop

from mmpose.registry import DATASETS
from mmpose_kd.cache import TeacherCacheMismatchError
from mmpose_kd.engine.hooks import TeacherCacheHook
from tests.cache_runs import build_cache, cached_cfg


@pytest.fixture(scope='module')
def cache(coco_tiny_dir, tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('hook_cache')
    out = str(root / 'cache')
    build_cache(coco_tiny_dir, str(root), out, views=3, heatmaps=False)
    return coco_tiny_dir, str(root), out


def fake_runner(cfg, num_workers=0, persistent_workers=False, epoch=0):
    """What the hook reads of a Runner, built from ``cfg``."""
    init_default_scope('mmpose')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    loader = SimpleNamespace(dataset=dataset, num_workers=num_workers,
                             persistent_workers=persistent_workers)
    loop = EpochBasedTrainLoop.__new__(EpochBasedTrainLoop)
    return SimpleNamespace(train_dataloader=loader, cfg=cfg,
                           model=torch.nn.Module(), train_loop=loop,
                           epoch=epoch)


def test_sets_the_epoch_that_chooses_the_view(cache):
    data_dir, work_dir, out = cache
    runner = fake_runner(cached_cfg(data_dir, work_dir, out))
    hook = TeacherCacheHook()
    hook.before_train(runner)
    transform = hook.transforms[0]
    dataset = runner.train_dataloader.dataset
    seen = []
    for epoch in range(3):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        seen.append(dataset[4]['data_samples'].teacher_targets.metainfo[
            'view'])
    assert transform.epoch == 2
    assert sorted(seen) == [0, 1, 2]


def test_without_the_hook_the_replay_asks_for_it(cache):
    data_dir, work_dir, out = cache
    dataset = fake_runner(cached_cfg(data_dir, work_dir, out)) \
        .train_dataloader.dataset
    with pytest.raises(RuntimeError, match='TeacherCacheHook'):
        dataset[0]


def test_persistent_workers_are_refused(cache):
    data_dir, work_dir, out = cache
    runner = fake_runner(cached_cfg(data_dir, work_dir, out), num_workers=2,
                         persistent_workers=True)
    with pytest.raises(ValueError, match='persistent_workers=False'):
        TeacherCacheHook().before_train(runner)


def test_a_pipeline_without_the_replay_is_refused(cache):
    data_dir, work_dir, out = cache
    cfg = cached_cfg(data_dir, work_dir, out)
    cfg.train_dataloader.dataset.pipeline = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if 'ReplayTeacherCacheView' not in t['type']][:-1] + [
            dict(type='PackPoseInputs')]
    with pytest.raises(ValueError, match='no ReplayTeacherCacheView'):
        TeacherCacheHook().before_train(fake_runner(cfg))


def test_another_crop_is_refused_naming_the_transform(cache):
    data_dir, work_dir, out = cache
    cfg = cached_cfg(data_dir, work_dir, out)
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform['type'] == 'TopdownAffine':
            transform['input_size'] = (48, 64)
    with pytest.raises(TeacherCacheMismatchError,
                       match=r'(?s)another training pipeline.*pipeline.crop_'
                       r'transforms\[2\].input_size\[0\]: cache 96, this '
                       r'run 48'):
        TeacherCacheHook().before_train(fake_runner(cfg))


def test_another_dataset_is_refused(cache, tmp_path):
    data_dir, work_dir, out = cache
    other = str(tmp_path / 'coco_tiny')
    shutil.copytree(data_dir, other)
    ann_file = osp.join(other, 'test_coco.json')
    with open(ann_file) as f:
        annotations = json.load(f)
    annotations['annotations'][0]['keypoints'][0] += 1
    with open(ann_file, 'w') as f:
        json.dump(annotations, f)
    cfg = cached_cfg(other, work_dir, out)
    with pytest.raises(TeacherCacheMismatchError,
                       match=r'(?s)another dataset.*ann_file_sha256'):
        TeacherCacheHook().before_train(fake_runner(cfg))
