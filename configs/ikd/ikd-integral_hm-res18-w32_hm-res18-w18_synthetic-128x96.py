# Integral KD (Xu et al., IEEE SPL 2020; our reading, docs/ikd.md) on the
# default data: the quick-start teacher (ResNet-18 w32) teaches the w18 student
# (33% of its params, 35% of its FLOPs) with all three mechanisms at once:
# logit (heatmap MSE), feature (backbone, 1x1 conv + BN connector) and
# structure (inter-keypoint relation). The ablations in this folder inherit
# this file and change only the distillation losses.
_base_ = ['./td-hm_res18-w18_synthetic-128x96.py']

# The trained quick-start teacher: what `python tools/train.py
# configs/quickstart/td-hm_res18-w32_synthetic-128x96.py` writes last.
teacher_ckpt = 'checkpoints/quickstart_teacher_fp16.pth'  # shipped, see README

# Weights balance each term's gradient on the student against the GT heatmap
# loss's (tools/analysis/loss_balance.py with the shipped teacher; figures in
# docs/ikd.md "Loss balance"): logit 1.0 pulls ~1x; the feature term reaches
# only the backbone, where it pulls 5.4x at init and 1.6x by iteration 20 per
# 0.01, hence 0.005; the keypoint relation pulls ~1000x at init and ~70x by
# iteration 20 per unit weight, hence 0.02 behind a warm-up from 0 over the
# first 20% of the run (by_fraction, like OCD's). See the -x10 variant.
model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student=_base_.model,
    teacher='mmpose_kd::quickstart/td-hm_res18-w32_synthetic-128x96.py',
    teacher_ckpt=teacher_ckpt,
    distill_losses=dict(
        loss_logit=dict(
            type='HeatmapLogitDistillLoss', mode='mse', loss_weight=1.0),
        loss_feature=dict(
            type='FeatureDistillLoss',
            student_input='backbone',
            teacher_input='backbone',
            connector=dict(
                type='ConvBNConnector', in_channels=144, out_channels=256),
            loss_weight=0.005),
        loss_structure=dict(
            type='KeypointRelationDistillLoss', loss_weight=0.02)))

# Structure terms pull hundreds of times the task loss while the student's
# heatmaps are flat (init), and a few times it once they peak: ramp them in.
structure_warmup = dict(
    type='linear', start_factor=0.0, end_factor=1.0, end=0.2)
custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={'distill_losses.loss_structure': structure_warmup}),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
