# The mmpose_kd DWPose-losses recipe with DWPoseDistiller's two remaining
# differences from it: the teacher's BN on batch statistics
# (teacher_norm='batch', as the -teacher-bn-batch recipe) and the connector
# initialised as DWPose's FeaLoss leaves its align conv: PyTorch's Conv2d
# default, kaiming-uniform with a = sqrt(5) over fan-in (weights std ~0.05
# for 128 input channels), where mmcv's ConvModule default (our connectors')
# is kaiming-normal over fan-out (std ~0.09 for 256 outputs), bias 0.
# From one start, on one batch, this recipe takes DWPoseDistiller's
# training steps (tests/test_configs/test_dwpose_pair_configs.py).
_base_ = ['./kd-dwpose-losses-teacher-bn-batch_simcc-res18-w32_'
          'simcc-res18-w16_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        loss_fea=dict(
            connector=dict(
                init_cfg=dict(
                    type='Kaiming',
                    layer='Conv2d',
                    a=5**0.5,
                    mode='fan_in',
                    nonlinearity='leaky_relu',
                    distribution='uniform')))))
