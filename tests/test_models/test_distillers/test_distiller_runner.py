"""A real MMEngine Runner trains and validates a teacher/student pair."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from tests.tiny_models import (HEATMAP_CODEC, coco_tiny_runner_cfg,
                               heatmap_model)


def pair_cfg(data_dir, work_dir, teacher_ckpt=None):
    model = dict(
        _scope_='mmpose_kd',
        type='PoseDistiller',
        student=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher=heatmap_model(base_channels=16, deconv=(32, 32)),
        teacher_ckpt=teacher_ckpt,
        distill_losses=dict(
            loss_logit=dict(type='HeatmapLogitDistillLoss', loss_weight=1.0),
            loss_feat=dict(
                type='FeatureDistillLoss', student_input='backbone',
                teacher_input='backbone',
                connector=dict(type='ConvBNConnector', in_channels=64,
                               out_channels=128))))
    return coco_tiny_runner_cfg(
        model, HEATMAP_CODEC, data_dir, work_dir, max_epochs=2,
        custom_hooks=[
            dict(type='mmpose_kd.DistillLossWeightHook', schedules={
                'distill_losses.loss_logit': dict(
                    type='linear', start_factor=1.0, end_factor=0.0)}),
            dict(type='mmpose_kd.StudentCheckpointHook'),
        ])


def test_runner_trains_student_keeps_teacher_and_writes_student_ckpt(
        coco_tiny_dir, tmp_path):
    runner = Runner.from_cfg(Config(pair_cfg(coco_tiny_dir, str(tmp_path))))
    distiller = runner.model
    teacher_before = {k: v.clone()
                      for k, v in distiller.teacher.state_dict().items()}
    student_before = {k: v.clone()
                      for k, v in distiller.student.state_dict().items()}
    runner.train()

    # the teacher: parameters and BN buffers bit-identical, still in eval
    for key, value in distiller.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    assert not distiller.teacher.training
    # the student moved
    changed = [k for k, v in distiller.student.state_dict().items()
               if v.dtype.is_floating_point
               and not torch.equal(v, student_before[k])]
    assert 'backbone.conv1.weight' in changed
    # teacher never in the optimizer
    optimized = {id(p) for group in runner.optim_wrapper.optimizer.param_groups
                 for p in group['params']}
    assert not optimized & {id(p) for p in distiller.teacher.parameters()}
    # validation measured the student with CocoMetric
    assert 'val/coco/AP' in runner.message_hub.log_scalars
    # the schedule ended near zero for the logit loss
    assert distiller.distill_losses.loss_logit.loss_weight < 0.5
    hub = runner.message_hub.log_scalars
    assert 'train/distill.loss_logit' in hub
    assert 'train/weight/distill_losses.loss_logit' in hub

    # the student-only checkpoint loads into plain MMPose
    from mmpose.apis import inference_topdown, init_model
    ckpt = osp.join(str(tmp_path), 'student.pth')
    state = torch.load(ckpt, weights_only=True)['state_dict']
    assert not any(k.startswith(('teacher', 'distill_losses')) for k in state)
    model = init_model(osp.join(str(tmp_path), 'student_config.py'), ckpt,
                       device='cpu')
    image = osp.join(coco_tiny_dir, '000000000785.jpg')
    result = inference_topdown(model, image)
    assert result[0].pred_instances.keypoints.shape == (1, 17, 2)
    distiller.eval()
    for key, value in model.state_dict().items():
        if not key.startswith('data_preprocessor'):
            assert torch.equal(value, distiller.student.state_dict()[key])


def test_runner_resumes_the_whole_run(coco_tiny_dir, tmp_path):
    cfg = pair_cfg(coco_tiny_dir, str(tmp_path))
    cfg['train_cfg']['max_epochs'] = 1
    Runner.from_cfg(Config(cfg)).train()
    cfg['train_cfg']['max_epochs'] = 2
    cfg['resume'] = True
    runner = Runner.from_cfg(Config(cfg))
    runner.train()
    assert runner.epoch == 2
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_2.pth'))


def test_runner_with_teacher_norm_batch_moves_only_the_teachers_bn_stats(
        coco_tiny_dir, tmp_path):
    """``teacher_norm='batch'`` (DWPoseDistiller's teacher): the runner's
    ``model.train()`` puts the teacher's BN in train mode, so its running
    statistics follow the training batches; its weights stay as loaded."""
    cfg = pair_cfg(coco_tiny_dir, str(tmp_path))
    cfg['model']['teacher_norm'] = 'batch'
    cfg['train_cfg']['max_epochs'] = 1
    runner = Runner.from_cfg(Config(cfg))
    teacher = runner.model.teacher
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    runner.train()
    after = teacher.state_dict()
    moved = {k for k, v in after.items() if not torch.equal(v, before[k])}
    assert 'backbone.bn1.running_mean' in moved
    assert all(k.endswith(('running_mean', 'running_var',
                           'num_batches_tracked')) for k in moved), moved
    assert not teacher.training  # the last validation ran it in eval mode
