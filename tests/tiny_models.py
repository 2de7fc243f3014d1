"""Small MMPose model/config dicts shared by the tests (128x96 input)."""
import copy
import os.path as osp

INPUT_SIZE = (96, 128)
HEATMAP_SIZE = (12, 16)
HEATMAP_CODEC = dict(
    type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=HEATMAP_SIZE,
    sigma=1)
REGRESSION_CODEC = dict(type='RegressionLabel', input_size=INPUT_SIZE)
PREPROCESSOR = dict(
    type='PoseDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)


def heatmap_model(base_channels=16, deconv=(32, 32), num_keypoints=17):
    """A ResNet-18-shaped heatmap model with slim channels."""
    return dict(
        type='TopdownPoseEstimator',
        data_preprocessor=PREPROCESSOR,
        backbone=dict(
            type='ResNet', depth=18, base_channels=base_channels,
            stem_channels=base_channels),
        head=dict(
            type='HeatmapHead',
            in_channels=base_channels * 8,
            out_channels=num_keypoints,
            deconv_out_channels=deconv,
            deconv_kernel_sizes=(4, ) * len(deconv),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=HEATMAP_CODEC),
        test_cfg=dict(flip_test=False))


def regression_model(base_channels=16, num_keypoints=17):
    return dict(
        type='TopdownPoseEstimator',
        data_preprocessor=PREPROCESSOR,
        backbone=dict(
            type='ResNet', depth=18, base_channels=base_channels,
            stem_channels=base_channels),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='RegressionHead',
            in_channels=base_channels * 8,
            num_joints=num_keypoints,
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder=REGRESSION_CODEC),
        test_cfg=dict(flip_test=False))


def coco_tiny_pipelines(codec):
    train = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=INPUT_SIZE),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ]
    val = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=INPUT_SIZE),
        dict(type='PackPoseInputs'),
    ]
    return train, val


def coco_tiny_runner_cfg(model, codec, data_dir, work_dir, max_epochs=2,
                         batch_size=4, custom_hooks=()):
    """A full Runner config training ``model`` on coco_tiny."""
    train_pipeline, val_pipeline = coco_tiny_pipelines(codec)
    dataset = dict(
        type='CocoDataset', data_root=data_dir, data_mode='topdown',
        ann_file='test_coco.json', data_prefix=dict(img=''))
    return dict(
        default_scope='mmpose',
        model=copy.deepcopy(model),
        work_dir=work_dir,
        train_dataloader=dict(
            batch_size=batch_size, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(dataset, pipeline=train_pipeline)),
        val_dataloader=dict(
            batch_size=batch_size, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(dataset, pipeline=val_pipeline, test_mode=True)),
        val_evaluator=dict(
            type='CocoMetric', ann_file=osp.join(data_dir, 'test_coco.json')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=1),
            visualization=dict(type='PoseVisualizationHook', enable=False)),
        custom_hooks=list(custom_hooks),
        randomness=dict(seed=0),
        log_level='WARNING',
    )
