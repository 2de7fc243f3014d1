# Downsized head + OCD on COCO: the regression branch of
# ocd_reg-res50_8xb64-210e_coco-256x192.py becomes a 1x1 conv to 16 channels
# (+ ReLU) -> global average pooling -> FC: 33,362 head parameters against
# 69,666 for DeepPose's FC (2048 -> 34). Deployed with the mmpose_kd plugin
# (DownsizedRegressionHead is not an MMPose type).
_base_ = ['./ocd_reg-res50_8xb64-210e_coco-256x192.py']

model = dict(
    head=dict(
        regression=dict(
            _delete_=True,
            type='mmpose_kd.DownsizedRegressionHead',
            in_channels=2048,
            num_joints=17,
            reduce_channels=16,
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder={{_base_.regression_codec}}),
        # The downsized head pools itself, after its channel reduction.
        regression_neck=None))
