# Downsized head, trained alone (the baseline of the downsized-head recipes):
# the quick-start regression student with its FC head replaced by a 1x1 conv
# to 8 channels (+ ReLU) -> global average pooling -> FC. Head parameters:
# 1,338 against 4,386 for the quick-start RegressionHead (128 -> 34).
_base_ = ['../quickstart/td-reg_res18-w16_synthetic-128x96.py']

model = dict(
    # The head pools after its channel reduction, so it reads spatial features.
    neck=None,
    head=dict(
        _delete_=True,
        type='mmpose_kd.DownsizedRegressionHead',
        in_channels=128,
        num_joints=17,
        reduce_channels=8,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=dict(type='RegressionLabel', input_size=(48, 64))))
