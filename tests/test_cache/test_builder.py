"""The builder on coco_tiny with the shipped teacher: what it stores is what
training replays, what the live teacher gives, and resumable."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmpose.registry import DATASETS, MODELS
from mmpose_kd.cache import TeacherCache, TeacherCacheFileError
from mmpose_kd.cache import builder as builder_module
from mmpose_kd.cache.fingerprint import TeacherCacheMismatchError
from mmpose_kd.cache.views import draw_view
from mmpose_kd.functional.soft_argmax import soft_argmax_2d
from tests.cache_runs import build_cache, cached_cfg, live_cfg

VIEWS = 2


@pytest.fixture(scope='module')
def built(coco_tiny_dir, tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('cache')
    out = str(root / 'cache')
    cache = build_cache(coco_tiny_dir, str(root), out, views=VIEWS)
    return coco_tiny_dir, str(root), out, cache


def replayed_dataset(data_dir, work_dir, cache_dir, view):
    init_default_scope('mmpose')
    cfg = cached_cfg(data_dir, work_dir, cache_dir, view=view)
    return DATASETS.build(cfg.train_dataloader.dataset)


def test_the_cache_covers_every_instance_and_view(built):
    _, _, out, cache = built
    cache = TeacherCache.open(out)
    assert cache.manifest['complete'] and cache.num_views == VIEWS
    assert cache.num_instances == 12  # coco_tiny's people with keypoints
    assert cache.arrays['done'].all()
    assert cache.arrays['heatmaps'].shape == (12, VIEWS, 17, 32, 24)
    # views differ: the random transforms really were drawn per view
    assert not np.array_equal(cache.arrays['view_center'][:, 0],
                              cache.arrays['view_center'][:, 1])
    assert cache.arrays['scores'].max() > 0.3  # a trained teacher


@pytest.mark.parametrize('view', [0, 1])
def test_replayed_crop_is_the_crop_the_builder_used(built, view):
    data_dir, work_dir, out, _ = built
    init_default_scope('mmpose')
    live = DATASETS.build(live_cfg(data_dir, work_dir).train_dataloader
                          .dataset)
    replay = replayed_dataset(data_dir, work_dir, out, view)
    for index in range(len(live)):
        info = live.get_data_info(index)
        info['dataset'] = live
        drawn, _ = draw_view(live.pipeline.transforms, info, 0, index, view)
        sample = replay[index]
        assert torch.equal(drawn['inputs'], sample['inputs']), index
        for key in ('keypoint_labels', 'keypoint_weights'):
            assert torch.equal(
                drawn['data_samples'].gt_instance_labels[key],
                sample['data_samples'].gt_instance_labels[key]), key
        targets = sample['data_samples'].teacher_targets
        assert targets.metainfo['view'] == view
        assert targets.heatmaps.shape == (1, 17, 32, 24)


def test_replayed_targets_equal_the_live_teacher_on_that_view(built):
    data_dir, work_dir, out, cache = built
    distiller = MODELS.build(live_cfg(data_dir, work_dir).model)
    replay = replayed_dataset(data_dir, work_dir, out, view=1)
    batch = distiller.data_preprocessor(
        pseudo_collate([replay[i] for i in range(len(replay))]), True)
    live = distiller.teacher_outputs(batch['inputs'])['head']
    cached = torch.cat([s.teacher_targets.heatmaps
                        for s in batch['data_samples']]).float()
    # float16 storage: relative error <= 2^-11, plus batch-order noise
    torch.testing.assert_close(cached, live, rtol=2e-3, atol=2e-3)
    coords, scores = soft_argmax_2d(live, window=6)
    torch.testing.assert_close(
        torch.cat([s.teacher_targets.keypoints
                   for s in batch['data_samples']]), coords,
        rtol=0, atol=1e-3)
    torch.testing.assert_close(
        torch.cat([s.teacher_targets.scores
                   for s in batch['data_samples']]), scores,
        rtol=0, atol=1e-4)


def test_resume_after_a_crash_gives_the_uninterrupted_arrays(
        built, tmp_path, monkeypatch):
    data_dir, work_dir, out, _ = built
    real_run = builder_module.run_teacher
    calls = []

    def crash_on_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt('simulated crash')
        return real_run(*args, **kwargs)

    monkeypatch.setattr(builder_module, 'run_teacher', crash_on_third_batch)
    partial = str(tmp_path / 'partial')
    with pytest.raises(KeyboardInterrupt):
        build_cache(data_dir, work_dir, partial, views=VIEWS, batch_size=4)
    with pytest.raises(TeacherCacheFileError, match='8 of 24 views built'):
        TeacherCache.open(partial)
    monkeypatch.setattr(builder_module, 'run_teacher', real_run)
    with pytest.raises(FileExistsError, match='--resume'):
        build_cache(data_dir, work_dir, partial, views=VIEWS)
    with pytest.raises(TeacherCacheMismatchError, match='num_views=2'):
        build_cache(data_dir, work_dir, partial, views=3, resume=True)
    resumed = build_cache(data_dir, work_dir, partial, views=VIEWS,
                          batch_size=4, resume=True)
    reference = TeacherCache.open(out)
    assert resumed.cache_id == reference.cache_id
    for name, array in reference.arrays.items():
        np.testing.assert_array_equal(resumed.arrays[name], array,
                                      err_msg=name)
