# Benchmark pair, distilled by mmpose_kd with DWPose's losses: the same
# feature loss (1x1 conv connector on the last backbone stage; FeaLoss sums
# over C*H*W = 256*8*6 - the 128x96 input at total stride 16 - ours
# averages, so the weight is alpha_fea * 12288) and SimCCLogitDistillLoss
# (equal to KDLoss), their weights held at (1 - epoch / max_epochs) through
# each epoch by the weight hook (per_epoch=True), as DWPoseDistiller does.
# alpha_fea is 0.3 x DWPose's 0.00007 here and in the DWPoseDistiller
# recipe beside it, so the two compare like for like
# (tests/test_configs/test_dwpose_pair_configs.py checks the two feature
# losses give one value). Until 2026-12-02 this recipe converted with
# 256*4*3, a quarter of DWPoseDistiller's feature weight; the pair's
# figures in docs/benchmark.md were measured so.
_base_ = ['./td-simcc_res18-w16_synthetic-128x96.py']

teacher_ckpt = 'work_dirs/td-simcc_res18-w32_synthetic-128x96/epoch_24.pth'

model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student=_base_.model,
    teacher='mmpose_kd::benchmark/td-simcc_res18-w32_synthetic-128x96.py',
    teacher_ckpt=teacher_ckpt,
    distill_losses=dict(
        loss_fea=dict(
            type='FeatureDistillLoss',
            student_input='backbone',
            teacher_input='backbone',
            connector=dict(
                type='ConvConnector', in_channels=128, out_channels=256),
            loss_weight=0.3 * 0.00007 * 256 * 8 * 6),
        loss_logit=dict(
            type='SimCCLogitDistillLoss', beta=10.0, loss_weight=0.1)))

custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_epoch=True,
        per_epoch=True,  # DWPose: 1 - epoch / max_epochs, held per epoch
        schedules={
            'distill_losses.loss_fea':
            dict(type='linear', start_factor=1.0, end_factor=0.0),
            'distill_losses.loss_logit':
            dict(type='linear', start_factor=1.0, end_factor=0.0),
        }),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
