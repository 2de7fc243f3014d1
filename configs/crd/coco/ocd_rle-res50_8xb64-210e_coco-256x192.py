# OCD on COCO with an RLE regression head: MMPose's RLE ResNet-50 recipe
# (data, schedule, runtime) with the training-only heatmap branch of
# ocd_reg-res50_8xb64-210e_coco-256x192.py. The coordinate loss reuses the
# head's own RLELoss (same flow model) against the branch's coordinates.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_regression/coco/'
    'td-reg_res50_rle-8xb64-210e_coco-256x192.py',
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

target_codec = dict(
    type='IntegralRegressionLabel',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2,
    unbiased=True,
    normalize=False)
regression_codec = dict(type='RegressionLabel', input_size=(192, 256))
heatmap_codec = dict(
    type='MSRAHeatmap',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2,
    unbiased=True)

model = dict(
    neck=None,
    head=dict(
        _delete_=True,
        type='mmpose_kd.CrossRepresentationHead',
        regression=dict(
            type='RLEHead',
            in_channels=2048,
            num_joints=17,
            loss=dict(type='RLELoss', use_target_weight=True),
            decoder=regression_codec),
        heatmap=dict(
            type='HeatmapHead',
            in_channels=2048,
            out_channels=17,
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=heatmap_codec),
        # Task loss as distillation loss: the RLEHead's own RLELoss.
        coord_distill=dict(type='mmpose_kd.CoordDistillLoss', loss_weight=1.0),
        # 2.0: the default-data OCD's balanced weight (docs/crd.md "Loss
        # balance"), carried over unmeasured (no COCO run on the project's
        # machine; `tools/analysis/loss_balance.py` measures it). RLE
        # scales gradients unlike smooth L1: check this pair first.
        heatmap_distill=dict(
            type='mmpose_kd.RenderedHeatmapDistillLoss', loss_weight=2.0)))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=target_codec['input_size']),
    dict(type='GenerateTarget', encoder=target_codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

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
