# The tiny tool-test model as a DeepPose regression model (global pooling +
# one FC), for tests that need each MMPose head family (e.g. --show-dir).
_base_ = ['./tiny_topdown_res18_coco_tiny.py']

codec = dict(type='RegressionLabel', input_size=(48, 64))
model = dict(
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='RegressionHead',
        in_channels=256,
        num_joints=17,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=codec))
