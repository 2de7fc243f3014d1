# Downsized head + OCD on COCO: the network of
# ocd_reg-res50_8xb64-210e_coco-256x192.py trains the full SimpleBaseline
# head (three 256-channel deconvs, 64x48 heatmaps) as its training-only
# heatmap branch and deploys an integral-regression head (MMPose's
# IntegralRegressionHead) cut to one 16-channel deconvolution + 1x1 conv +
# soft-argmax. Full -> downsized integral head at 256x192 (ResNet-50), from
# `python tools/analysis/complexity.py CONFIG --runs 0` (full: with
# `--cfg-options "model.head.regression.deconv_out_channels=(256,256,256)"
# "model.head.regression.deconv_kernel_sizes=(4,4,4)"`):
#   head   10,491,777 ->    524,637 params, 1424.7 -> 25.2 MFLOPs (56x fewer)
#   model  33,999,809 -> 24,032,669 params,   5.45 -> 4.05 GFLOPs (-29%)
# (DeepPose ResNet-50: 23,577,698 params.) Deployed as a plain MMPose
# IntegralRegressionHead model.
_base_ = ['./ocd_reg-res50_8xb64-210e_coco-256x192.py']

# Backbone output size (W, H): input over ResNet-50's total stride of 32.
feature_map_size = tuple(
    s // 32 for s in _base_.regression_codec['input_size'])

model = dict(
    head=dict(
        regression=dict(
            _delete_=True,
            type='IntegralRegressionHead',
            in_channels=2048,
            in_featuremap_size=feature_map_size,
            num_joints=17,
            deconv_out_channels=(16, ),
            deconv_kernel_sizes=(4, ),
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder={{_base_.regression_codec}}),
        # The integral head reads the spatial features itself.
        regression_neck=None))
