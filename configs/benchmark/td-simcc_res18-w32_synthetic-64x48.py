# Benchmark pair, teacher: ResNet-18 (half width, as the quick-start teacher)
# with MMPose's RTMCC (SimCC) head on the default data - the kind of pair MMPose's DWPoseDistiller
# supports, so it can run next to mmpose_kd on the same models. The last
# stage keeps its resolution (stride 16): a 4x3 map for the 64x48 input.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_coco.py',
    '../_base_/schedules/cpu_short.py'
]

# RTMPose's SimCC codec scaled from 256x192 to 64x48 (sigma / 4).
codec = dict(
    type='SimCCLabel', input_size=(48, 64), sigma=(1.225, 1.415),
    simcc_split_ratio=2.0, normalize=False, use_dark=False)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=32,
        stem_channels=32,
        strides=(1, 2, 2, 1)),
    head=dict(
        type='RTMCCHead',
        in_channels=256,
        out_channels=17,
        input_size=codec['input_size'],
        in_featuremap_size=(3, 4),
        simcc_split_ratio=codec['simcc_split_ratio'],
        final_layer_kernel_size=3,
        gau_cfg=dict(
            hidden_dims=128,
            s=64,
            expansion_factor=2,
            dropout_rate=0.,
            drop_path=0.,
            act_fn='SiLU',
            use_rel_bias=False,
            pos_enc=False),
        loss=dict(
            type='KLDiscretLoss',
            use_target_weight=True,
            beta=10.,
            label_softmax=True),
        decoder=codec),
    test_cfg=dict(flip_test=True))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
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
