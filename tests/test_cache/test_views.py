"""Views: which pipelines can be replayed, and which view an epoch uses."""
import pytest
from mmengine.config import Config

from mmpose_kd.cache.fingerprint import pipeline_fingerprint
from mmpose_kd.cache.views import (check_builder_pipeline, crop_transforms,
                                   view_for_epoch)
from tests.cache_runs import CACHED_TCD, LIVE_TCD
from tests.config_runs import CONFIGS_ROOT

LIVE = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform', rotate_factor=30.0),
        dict(type='TopdownAffine', input_size=(96, 128)),
        dict(type='GenerateTarget', encoder=dict(type='RegressionLabel')),
        dict(type='PackPoseInputs')]


def test_random_geometric_and_deterministic_transforms_pass():
    check_builder_pipeline(LIVE)


def test_a_transform_that_cannot_be_replayed_is_named():
    pipeline = LIVE[:5] + [dict(type='mmpose.PhotometricDistortion')] + \
        LIVE[5:]
    with pytest.raises(ValueError, match=r'transform 5 \(PhotometricDist'
                       r'ortion\) cannot be replayed.*--allow-transform'):
        check_builder_pipeline(pipeline)
    check_builder_pipeline(pipeline, allowed=['PhotometricDistortion'])


def test_pipelines_without_a_crop_or_with_the_replay_are_refused():
    with pytest.raises(ValueError, match='no TopdownAffine'):
        check_builder_pipeline(LIVE[:5])
    replay = LIVE[:2] + [dict(type='mmpose_kd.ReplayTeacherCacheView',
                              cache_dir='c')] + LIVE[5:]
    with pytest.raises(ValueError, match='from the live-teacher config'):
        check_builder_pipeline(replay)


def test_live_and_cached_recipes_make_the_same_crop():
    live, cached = (
        Config.fromfile(f'{CONFIGS_ROOT}/{name}').train_dataloader.dataset
        .pipeline for name in (LIVE_TCD, CACHED_TCD))
    assert [t['type'] for t in crop_transforms(live)] == [
        'LoadImage', 'GetBBoxCenterScale', 'TopdownAffine']
    assert pipeline_fingerprint(crop_transforms(live)) == \
        pipeline_fingerprint(crop_transforms(cached))


@pytest.mark.parametrize('num_views', [1, 3, 4])
def test_every_instance_replays_each_view_once_in_num_views_epochs(
        num_views):
    for index in range(50):
        views = [view_for_epoch(epoch, index, num_views)
                 for epoch in range(num_views)]
        assert sorted(views) == list(range(num_views))
    # instances are out of phase: epoch 0 does not give everyone view 0
    if num_views > 1:
        assert len({view_for_epoch(0, i, num_views) for i in range(50)}) > 1
