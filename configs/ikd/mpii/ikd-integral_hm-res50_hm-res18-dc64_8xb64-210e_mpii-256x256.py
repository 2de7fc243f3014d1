# Integral KD (Xu et al., IEEE SPL 2020; our reading, docs/ikd.md) on MPII at
# 256x256, one of the paper's own benchmarks: SimpleBaseline-ResNet-50 (PCKh
# 0.882 in the MMPose zoo) teaches the ResNet-18 student beside this file
# with logit (heatmap MSE), feature (backbone 512 -> 2048 channels through a
# 1x1 conv + BN connector) and structure (inter-keypoint relation)
# distillation together. Data, pipeline, schedule and PCKh are MMPose's
# ResNet-50 MPII recipe.
_base_ = ['./td-hm_res18-dc64_8xb64-210e_mpii-256x256.py']

custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# The MMPose zoo teacher, as listed in MMPose's model index
# (configs/body_2d_keypoint/topdown_heatmap/mpii/resnet_mpii.yml).
teacher_ckpt = ('https://download.openmmlab.com/mmpose/top_down/resnet/'
                'res50_mpii_256x256-418ffc88_20200812.pth')

# The default-data integral recipe's balanced weights and structure warm-up
# (docs/ikd.md "Loss balance"), carried over unmeasured like the COCO
# recipe's; check them with
# `python tools/analysis/loss_balance.py THIS_CONFIG --iters 20`.
model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student=_base_.model,
    teacher='mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
    'td-hm_res50_8xb64-210e_mpii-256x256.py',
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
