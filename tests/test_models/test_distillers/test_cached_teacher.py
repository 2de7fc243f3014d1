"""PoseDistiller(teacher_cache=...): no teacher is built or run, the losses
get the cached targets in the live teacher's structure, and what the cache
cannot feed, or was not built for, is refused by name."""
import copy
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmpose.registry import DATASETS, MODELS
from mmpose_kd.cache import TeacherCacheMismatchError
from mmpose_kd.models.losses.teacher_keypoints import DecodedTeacherKeypoints
from tests.cache_runs import (CACHED_IKD_LOGIT, LIVE_IKD_LOGIT,
                              SHIPPED_TEACHER, build_cache, cached_cfg,
                              live_cfg)


@pytest.fixture(scope='module')
def caches(coco_tiny_dir, tmp_path_factory):
    """A 2-view cache with heatmaps and a 1-view one without."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('caches')
    full = str(root / 'full')
    keypoints_only = str(root / 'keypoints_only')
    build_cache(coco_tiny_dir, str(root), full, views=2)
    build_cache(coco_tiny_dir, str(root), keypoints_only, views=1,
                heatmaps=False)
    return coco_tiny_dir, str(root), full, keypoints_only


def build_model(model_cfg):
    init_default_scope('mmpose')
    return MODELS.build(copy.deepcopy(model_cfg))


def paired_losses(data_dir, work_dir, cache_dir, distill_losses=None):
    """Losses of the live and the cached distiller, same student weights,
    on one replayed batch (view 1, or 0 for a 1-view cache)."""
    cached_cfg_ = cached_cfg(data_dir, work_dir, cache_dir, view=0)
    live_model_cfg = live_cfg(data_dir, work_dir).model
    if distill_losses is not None:
        for model_cfg in (cached_cfg_.model, live_model_cfg):
            model_cfg.distill_losses = copy.deepcopy(distill_losses)
    cached = build_model(cached_cfg_.model)
    live = build_model(live_model_cfg)
    live.student.load_state_dict(cached.student.state_dict())
    dataset = DATASETS.build(cached_cfg_.train_dataloader.dataset)
    batch = cached.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(8)]), True)
    losses = []
    for model in (cached, live):
        model.train()
        torch.manual_seed(0)
        losses.append(model.loss(batch['inputs'], batch['data_samples']))
    return cached, losses


def test_cached_distiller_has_no_teacher_and_matches_the_live_losses(
        caches):
    data_dir, work_dir, full, _ = caches
    cached, (cached_losses, live_losses) = paired_losses(
        data_dir, work_dir, full)
    assert cached.teacher is None
    assert not any(k.startswith('teacher') for k in cached.state_dict())
    for key in ('distill.loss_coord', 'distill.loss_heatmap'):
        torch.testing.assert_close(cached_losses[key], live_losses[key],
                                   rtol=2e-3, atol=1e-5)
    torch.testing.assert_close(cached_losses['student.loss_kpt'],
                               live_losses['student.loss_kpt'])


def test_keypoints_only_cache_feeds_the_coordinate_loss(caches):
    data_dir, work_dir, _, keypoints_only = caches
    coord_only = dict(loss_coord=dict(type='CoordDistillLoss'))
    cached, (cached_losses, live_losses) = paired_losses(
        data_dir, work_dir, keypoints_only, coord_only)
    torch.testing.assert_close(cached_losses['distill.loss_coord'],
                               live_losses['distill.loss_coord'],
                               rtol=1e-4, atol=1e-6)
    outputs = cached.cached_teacher.outputs(
        [pseudo_sample(cached, keypoints_only, data_dir, work_dir)], 'cpu')
    assert isinstance(outputs['head'], DecodedTeacherKeypoints)


def test_heatmap_cache_feeds_the_coordinate_loss_its_stored_keypoints(
        caches, monkeypatch):
    # Decoding the cached heatmaps every step was most of a cached step's
    # extra cost; a coordinate loss that decodes as the cache did reads the
    # keypoints the builder stored, the heatmap losses the heatmaps.
    from mmpose_kd.models.distillers.cached_teacher import KEYPOINTS
    from mmpose_kd.models.losses import CoordDistillLoss
    data_dir, work_dir, full, _ = caches
    seen = []
    original = CoordDistillLoss.pseudo_targets

    def spy(self, teacher):
        seen.append(type(teacher))
        return original(self, teacher)

    monkeypatch.setattr(CoordDistillLoss, 'pseudo_targets', spy)
    cached, (cached_losses, live_losses) = paired_losses(
        data_dir, work_dir, full)
    assert cached.loss_routes['loss_coord']['teacher'].module == KEYPOINTS
    assert cached.loss_routes['loss_heatmap']['teacher'].module == 'head'
    assert seen == [DecodedTeacherKeypoints, torch.Tensor]  # cached, live
    torch.testing.assert_close(cached_losses['distill.loss_coord'],
                               live_losses['distill.loss_coord'],
                               rtol=1e-4, atol=1e-6)
    # other decode settings: the loss decodes the cached heatmaps itself
    other = dict(loss_coord=dict(type='CoordDistillLoss',
                                 soft_argmax_window=3))
    cached, _ = paired_losses(data_dir, work_dir, full, other)
    assert cached.loss_routes['loss_coord']['teacher'].module == 'head'


def pseudo_sample(model, cache_dir, data_dir, work_dir):
    cfg = cached_cfg(data_dir, work_dir, cache_dir, view=0)
    return DATASETS.build(cfg.train_dataloader.dataset)[0]['data_samples']


@pytest.mark.parametrize('loss, cache, message', [
    (dict(type='FeatureDistillLoss', student_input='backbone',
          teacher_input='backbone',
          connector=dict(type='ConvBNConnector', in_channels=128,
                         out_channels=256)), 'full',
     r'`distill_losses.loss_x` \(FeatureDistillLoss\) needs the teacher\'s '
     r'features.*live teacher'),
    (dict(type='RenderedHeatmapDistillLoss'), 'keypoints_only',
     r'\(RenderedHeatmapDistillLoss\) needs the teacher\'s heatmaps.*'
     r'--heatmaps'),
    (dict(type='CoordDistillLoss', soft_argmax_window=3), 'keypoints_only',
     r'decodes teacher heatmaps with .*window\': 3.*window\': 6'),
    (dict(type='CoordDistillLoss', teacher_input='backbone'), 'full',
     r'teacher_input`=\'backbone\': a teacher cache holds only'),
])
def test_losses_the_cache_cannot_feed_are_refused(caches, loss, cache,
                                                  message):
    data_dir, work_dir, full, keypoints_only = caches
    cfg = cached_cfg(data_dir, work_dir,
                     full if cache == 'full' else keypoints_only)
    cfg.model.distill_losses = dict(loss_x=loss)
    with pytest.raises(ValueError, match=message):
        build_model(cfg.model)


def test_cache_of_another_checkpoint_is_refused(caches, tmp_path):
    data_dir, work_dir, full, _ = caches
    state = torch.load(SHIPPED_TEACHER, weights_only=True)
    state['state_dict']['head.final_layer.bias'] += 1
    other = str(tmp_path / 'other_teacher.pth')
    torch.save(state, other)
    cfg = cached_cfg(data_dir, work_dir, full)
    cfg.model.teacher_ckpt = other
    with pytest.raises(TeacherCacheMismatchError,
                       match=r'(?s)another teacher \(model config or '
                       r'checkpoint\) \(cache built from \'quickstart_teacher_fp16.pth'
                       r'\', this run names \'other_teacher.pth\'\).*'
                       r'checkpoint_sha256'):
        build_model(cfg.model)
    # a copy of the same file under another name is the same teacher
    same = str(tmp_path / 'renamed.pth')
    shutil.copy(SHIPPED_TEACHER, same)
    cfg.model.teacher_ckpt = same
    build_model(cfg.model)


def test_cache_of_another_teacher_config_is_refused(caches):
    data_dir, work_dir, full, _ = caches
    cfg = cached_cfg(data_dir, work_dir, full)
    teacher = Config.fromfile(
        'configs/quickstart/td-hm_res18-w32_synthetic-128x96.py').model
    teacher.head.deconv_out_channels = (64, 32)
    cfg.model.teacher = teacher.to_dict()
    with pytest.raises(TeacherCacheMismatchError,
                       match=r'teacher.model.head.deconv_out_channels\[1\]: '
                       r'cache 64, this run 32'):
        build_model(cfg.model)


def test_eval_teacher_and_missing_targets_are_refused(caches):
    data_dir, work_dir, full, _ = caches
    cfg = cached_cfg(data_dir, work_dir, full)
    with pytest.raises(ValueError, match='eval_teacher=True` needs the live'):
        build_model(dict(cfg.model, eval_teacher=True))
    model = build_model(cfg.model)
    live = DATASETS.build(live_cfg(data_dir, work_dir).train_dataloader
                          .dataset)
    batch = model.data_preprocessor(pseudo_collate([live[0]]), True)
    with pytest.raises(KeyError, match='ReplayTeacherCacheView and '
                       'PackPoseInputsWithTeacherCache'):
        model.loss(batch['inputs'], batch['data_samples'])


def test_runner_trains_the_cached_recipe_and_moves_the_view_each_epoch(
        caches, tmp_path):
    data_dir, _, full, _ = caches
    cfg = cached_cfg(data_dir, str(tmp_path), full, max_epochs=2)
    runner = Runner.from_cfg(cfg)
    before = copy.deepcopy(runner.model.student.state_dict())
    runner.train()
    hook = next(h for h in runner.hooks
                if type(h).__name__ == 'TeacherCacheHook')
    assert hook.transforms[0].epoch == 1
    scalars = runner.message_hub.log_scalars
    for key in ('train/distill.loss_coord', 'train/distill.loss_heatmap'):
        assert torch.isfinite(torch.tensor(scalars[key].current())), key
    after = runner.model.student.state_dict()
    assert not torch.equal(before['backbone.conv1.weight'],
                           after['backbone.conv1.weight'])


def test_the_tcd_cache_serves_the_cached_ikd_logit_recipe(caches, tmp_path):
    # Same teacher, checkpoint, data and crop: the heatmap student's logit
    # loss reads the cache the TCD recipe built, equal to the live loss
    # within float16, and a Runner trains from it (the hook's fingerprint
    # checks pass for the other student's pipeline).
    data_dir, work_dir, full, _ = caches
    cached_cfg_ = cached_cfg(data_dir, work_dir, full, view=0,
                             recipe=CACHED_IKD_LOGIT)
    cached = build_model(cached_cfg_.model)
    live = build_model(live_cfg(data_dir, work_dir,
                                recipe=LIVE_IKD_LOGIT).model)
    live.student.load_state_dict(cached.student.state_dict())
    dataset = DATASETS.build(cached_cfg_.train_dataloader.dataset)
    batch = cached.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(8)]), True)
    losses = [model.loss(batch['inputs'], batch['data_samples'])
              for model in (cached.train(), live.train())]
    assert cached.teacher is None
    torch.testing.assert_close(losses[0]['distill.loss_logit'],
                               losses[1]['distill.loss_logit'],
                               rtol=2e-3, atol=1e-6)

    runner = Runner.from_cfg(cached_cfg(data_dir, str(tmp_path), full,
                                        recipe=CACHED_IKD_LOGIT))
    runner.train()
    loss = runner.message_hub.log_scalars['train/distill.loss_logit']
    assert torch.isfinite(torch.tensor(loss.current()))
