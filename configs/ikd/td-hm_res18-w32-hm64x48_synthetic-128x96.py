# A heatmap teacher at twice the student's heatmap size: the quick-start
# teacher with a third deconvolution, so its 128x96 input gives 64x48 heatmaps
# (sigma 4: the same Gaussian in image px as sigma 2 at 32x24). Teacher of
# ikd-logit-skeleton_hm-res18-w32-hm64x48_hm-res18-w18_synthetic-128x96.py.
_base_ = ['../quickstart/td-hm_res18-w32_synthetic-128x96.py']

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(48, 64), sigma=4)

model = dict(
    head=dict(
        deconv_out_channels=(64, 64, 64),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(  # the quick-start teacher's box jitter
        type='RandomBBoxTransform', scale_factor=(0.75, 1.25),
        rotate_factor=30.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
