# Quick start, step 1 - the heatmap teacher: SimpleBaseline (ResNet-18 at half
# width, two deconvolutions) trained from scratch on the generated default data.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_coco.py',
    '../_base_/schedules/cpu_short.py'
]

codec = dict(
    type='MSRAHeatmap',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=2,
    unbiased=True,
    blur_kernel_size=3)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    # The last stage keeps its resolution (total stride 16) so the 128x96
    # input leaves an 8x6 map; two deconvolutions give a 32x24 heatmap.
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=32,
        stem_channels=32,
        strides=(1, 2, 2, 1)),
    head=dict(
        type='HeatmapHead',
        in_channels=256,
        out_channels=17,
        deconv_out_channels=(64, 64),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

# Box jitter milder than MMPose's COCO defaults (scale 0.5-1.5, rotation
# 80 deg): the runs are short, and the generated data has no crowd boxes.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform', scale_factor=(0.75, 1.25),
        rotate_factor=30.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

# 24 epochs of the 4,000 generated training images (9,000 iterations of 16):
# val AP 0.69 / PCK@0.1 0.92 (the shipped checkpoint, see tools/quickstart.py
# --train-teacher). The students' recipes inherit this schedule; the quick
# start trains them for a few epochs with the cosine stretched to the run.
train_cfg = dict(max_epochs=24, val_interval=8)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=20, start_factor=0.1, by_epoch=False),
    dict(type='CosineAnnealingLR', T_max=24, eta_min=1e-5, by_epoch=True,
         begin=0, end=24, convert_to_iter_based=True),
]
