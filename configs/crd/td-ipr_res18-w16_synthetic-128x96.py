# The full head of the downsized-head recipes, trained alone: the quick-start
# regression student with MMPose's integral-regression head (IPR, Sun et al.
# 2018) in place of DeepPose's FC - the quick-start teacher's SimpleBaseline
# head (two 4x4 deconvolutions of 64 channels, 1x1 conv to K maps) on the
# student's backbone, then a soft-argmax (spatial softmax + expectation) to
# normalised coordinates, trained with SmoothL1 on them alone. A regression
# model with a heavy head (docs/crd.md, "Downsized head"); at 128x96, from
# `python tools/analysis/complexity.py CONFIG --runs 0`: head 197,997 of
# 900,093 params, 19.83 of 72.2 MFLOPs. Plain MMPose types only.
_base_ = ['../quickstart/td-reg_res18-w16_synthetic-128x96.py']

# Backbone output size (W, H), derived from the student's input size: the
# stem (x4) and the stage strides (1, 2, 2, 1) make a total stride of 16.
feature_map_size = tuple(s // 16 for s in _base_.codec['input_size'])

model = dict(
    # The head needs the spatial features: no global pooling.
    neck=None,
    head=dict(
        _delete_=True,
        type='IntegralRegressionHead',
        in_channels=128,
        in_featuremap_size=feature_map_size,
        num_joints=17,
        deconv_out_channels=(64, 64),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=dict(
            type='RegressionLabel', input_size=_base_.codec['input_size'])))
