# Online Cross-Representation Distillation (OCD) on the quick-start student:
# the DeepPose regression model of quickstart step 2 gets a training-only
# heatmap branch on its backbone. Both branches learn from the ground truth;
# the heatmap branch's detached output also teaches the regression branch
# (task loss against its soft-argmax coordinates + regressed coordinates
# rendered as Gaussians against its heatmaps). Only backbone + regression
# head are deployed: StudentCheckpointHook writes them as a plain MMPose
# DeepPose model (student.pth + student_config.py, see docs/crd.md).
_base_ = ['../quickstart/td-reg_res18-w16_synthetic-128x96.py']

# One codec packs both targets (MMPose's list-of-encoders form cannot):
# normalised coordinates for the regression branch, unbiased 32x24 Gaussian
# heatmaps (sigma 2, as the quick-start teacher's) for the heatmap branch.
target_codec = dict(
    type='IntegralRegressionLabel',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=2,
    unbiased=True,
    normalize=False)
regression_codec = dict(type='RegressionLabel', input_size=(96, 128))
heatmap_codec = dict(
    type='MSRAHeatmap',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=2,
    unbiased=True)

model = dict(
    # The heatmap branch needs spatial features; the head pools them for the
    # regression branch itself (`regression_neck`, GlobalAveragePooling).
    neck=None,
    head=dict(
        _delete_=True,
        type='mmpose_kd.CrossRepresentationHead',
        regression=dict(
            type='RegressionHead',
            in_channels=128,
            num_joints=17,
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder=regression_codec),
        # 8x6 features -> two x2 deconvolutions -> 32x24 heatmaps.
        heatmap=dict(
            type='HeatmapHead',
            in_channels=128,
            out_channels=17,
            deconv_out_channels=(32, 32),
            deconv_kernel_sizes=(4, 4),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=heatmap_codec),
        # Task loss as distillation loss: without `criterion` the regression
        # branch's own SmoothL1Loss is used against sg(soft-argmax(H)).
        coord_distill=dict(type='mmpose_kd.CoordDistillLoss', loss_weight=1.0),
        # Without `sigma` the heatmap branch codec's sigma is used. Weight
        # 2.0, TCD's balanced weight for the same loss on the same student
        # (docs/crd.md "Loss balance"): within this recipe's warm-up the
        # branch is untrained and both OCD terms pull < 0.2x per unit weight.
        heatmap_distill=dict(
            type='mmpose_kd.RenderedHeatmapDistillLoss', loss_weight=2.0)))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(  # the quick-start models' box jitter
        type='RandomBBoxTransform', scale_factor=(0.75, 1.25),
        rotate_factor=30.0),
    dict(type='TopdownAffine', input_size=target_codec['input_size']),
    dict(type='GenerateTarget', encoder=target_codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# OCD warm-up: the heatmap branch starts untrained, so the OCD losses ramp in
# linearly from 0 over the first 20% of the run (by_fraction: 10 of 50 epochs,
# 3 of 15 with --epochs 15).
ocd_warmup = dict(type='linear', start_factor=0.0, end_factor=1.0, end=0.2)
custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={
            'head.coord_distill': ocd_warmup,
            'head.heatmap_distill': ocd_warmup
        }),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
