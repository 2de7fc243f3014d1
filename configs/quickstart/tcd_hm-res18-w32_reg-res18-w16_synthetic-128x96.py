# Quick start, step 3 - the student distilled from the teacher (TCD): the
# frozen heatmap teacher of step 1 supplies decoded keypoints (task loss as
# distillation loss) and heatmaps (rendered-heatmap distillation) to the
# regression student of step 2. Only the student is trained and deployed.
_base_ = ['./td-reg_res18-w16_synthetic-128x96.py']

# The shipped teacher of step 1 (checked by hash in tools/quickstart.py;
# rebuild: python tools/quickstart.py --train-teacher).
teacher_ckpt = 'checkpoints/quickstart_teacher_fp16.pth'  # shipped, see README

model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student='mmpose_kd::quickstart/td-reg_res18-w16_synthetic-128x96.py',
    teacher='mmpose_kd::quickstart/td-hm_res18-w32_synthetic-128x96.py',
    teacher_ckpt=teacher_ckpt,
    # Weights balance each term's gradient on the student against the task
    # loss's (tools/analysis/loss_balance.py; figures in docs/crd.md): the
    # coordinate term pulls 0.7-0.9x at 1.0; the rendered-heatmap term pulls
    # 0.02x at init, 0.2-0.26x by iteration 20 and 0.78x by iteration 60 per
    # unit weight, still rising, hence 2.0.
    distill_losses=dict(
        loss_coord=dict(
            type='CoordDistillLoss',
            criterion=dict(type='SmoothL1Loss', use_target_weight=True),
            loss_weight=1.0),
        loss_heatmap=dict(
            type='RenderedHeatmapDistillLoss', sigma=2.0, loss_weight=2.0)))

custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
