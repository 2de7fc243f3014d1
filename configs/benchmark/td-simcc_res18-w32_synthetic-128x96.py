# Benchmark pair, teacher: the quick-start teacher's ResNet-18 (half width,
# stride 16: an 8x6 map for the 128x96 input) with MMPose's RTMCC (SimCC) head
# on the default data - the kind of pair MMPose's DWPoseDistiller supports,
# so it can run next to mmpose_kd on the same models.
_base_ = ['../quickstart/td-hm_res18-w32_synthetic-128x96.py']

# RTMPose's SimCC codec scaled from 256x192 to 128x96 (sigma / 2).
codec = dict(
    type='SimCCLabel', input_size=(96, 128), sigma=(2.45, 2.83),
    simcc_split_ratio=2.0, normalize=False, use_dark=False)

# The quick-start teacher's preprocessing and backbone, an RTMCC head.
model = dict(
    head=dict(
        _delete_=True,
        type='RTMCCHead',
        in_channels=256,
        out_channels=17,
        input_size=codec['input_size'],
        in_featuremap_size=(6, 8),
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
    test_cfg=dict(_delete_=True, flip_test=True))

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
