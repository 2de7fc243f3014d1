# Downsized head + OCD: the regression branch of the OCD recipe becomes the
# downsized head of td-reg_res18-w16-downsized_synthetic-128x96.py (same
# deployed architecture), taught by the training-only heatmap branch.
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(
    head=dict(
        regression=dict(
            _delete_=True,
            type='mmpose_kd.DownsizedRegressionHead',
            in_channels=128,
            num_joints=17,
            reduce_channels=8,
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder={{_base_.regression_codec}}),
        # The downsized head pools itself, after its channel reduction.
        regression_neck=None))
