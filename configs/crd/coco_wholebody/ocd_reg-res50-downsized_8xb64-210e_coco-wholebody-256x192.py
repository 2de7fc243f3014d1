# Downsized head + OCD on COCO-WholeBody: the network of
# ocd_reg-res50_8xb64-210e_coco-wholebody-256x192.py trains the full
# SimpleBaseline head (three 256-channel deconvs, 133 64x48 heatmaps) as its
# training-only heatmap branch and deploys MMPose's IntegralRegressionHead
# cut to one 16-channel deconvolution + 1x1 conv + soft-argmax, as the COCO
# downsized recipe does. Full -> downsized integral head at 256x192, 133
# keypoints, from `python tools/analysis/complexity.py CONFIG --runs 0`
# (full: with `--cfg-options
# "model.head.regression.deconv_out_channels=(256,256,256)"
# "model.head.regression.deconv_kernel_sizes=(4,4,4)"`), deployed model:
#   head   10,521,589 ->    526,609 params, 1515.9 -> 25.6 MFLOPs (59x fewer)
#   model  34,029,621 -> 24,034,641 params,   5.54 -> 4.05 GFLOPs (-29%)
_base_ = ['./ocd_reg-res50_8xb64-210e_coco-wholebody-256x192.py']

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
            num_joints=133,
            deconv_out_channels=(16, ),
            deconv_kernel_sizes=(4, ),
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder={{_base_.regression_codec}}),
        # The integral head reads the spatial features itself.
        regression_neck=None))
