# Integral KD (Xu et al., IEEE SPL 2020; our reading, docs/ikd.md) on COCO at
# 256x192: SimpleBaseline-ResNet-50 (71.8 AP in the MMPose zoo) teaches the
# ResNet-18 student with 35% of its params and FLOPs, with logit (heatmap
# MSE), feature (backbone 512 -> 2048 channels through a 1x1 conv + BN
# connector) and structure (inter-keypoint relation) distillation together.
# Data, pipeline and schedule are MMPose's ResNet-50 recipe.
_base_ = ['./td-hm_res18-dc64_8xb64-210e_coco-256x192.py']

custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# The MMPose zoo teacher (COCO val 71.8 AP), downloaded beforehand from
# https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/
# coco/td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth
teacher_ckpt = ('checkpoints/'
                'td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth')

# The default-data integral recipe's balanced weights and structure warm-up
# (docs/ikd.md "Loss balance"), carried over unmeasured: a COCO-scale run is
# not possible on the project's CPU machine; check them with
# `python tools/analysis/loss_balance.py THIS_CONFIG --iters 20`.
model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student=_base_.model,
    teacher='mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
    teacher_ckpt=teacher_ckpt,
    distill_losses=dict(
        loss_logit=dict(
            type='HeatmapLogitDistillLoss', mode='mse', loss_weight=1.0),
        loss_feature=dict(
            type='FeatureDistillLoss',
            student_input='backbone',
            teacher_input='backbone',
            connector=dict(
                type='ConvBNConnector', in_channels=512, out_channels=2048),
            loss_weight=0.005),
        loss_structure=dict(
            type='KeypointRelationDistillLoss', loss_weight=0.02)))

structure_warmup = dict(
    type='linear', start_factor=0.0, end_factor=1.0, end=0.2)
custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={'distill_losses.loss_structure': structure_warmup}),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
