# Downsized head + OCD: the network trains the full head's representation
# and deploys the downsized head. The training-only heatmap branch is the
# full head of td-ipr_res18-w16_synthetic-128x96.py (two 64-channel deconvs,
# x4 upsampling, trained on Gaussian heatmaps); the deployed regression
# branch is the downsized integral head of
# td-reg_res18-w16-downsized_synthetic-128x96.py
# (one 16-channel deconv, soft-argmax), taught by the branch with both OCD
# losses. The export is that plain MMPose IntegralRegressionHead model:
# 933,168 params trained, 735,199 deployed (head 33,103 params, 0.408 MFLOPs,
# against the full head's 197,997 and 4.958; tools/analysis/complexity.py).
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

# Backbone output size (W, H): input over the backbone's total stride of 16.
feature_map_size = tuple(
    s // 16 for s in _base_.regression_codec['input_size'])

model = dict(
    head=dict(
        regression=dict(
            _delete_=True,
            type='IntegralRegressionHead',
            in_channels=128,
            in_featuremap_size=feature_map_size,
            num_joints=17,
            deconv_out_channels=(16, ),
            deconv_kernel_sizes=(4, ),
            loss=dict(type='SmoothL1Loss', use_target_weight=True),
            decoder={{_base_.regression_codec}}),
        # The full head's deconvolutions (the base recipe's branch has 32).
        heatmap=dict(deconv_out_channels=(64, 64)),
        # The integral head reads the spatial features itself.
        regression_neck=None))
