# A heatmap teacher at twice the student's heatmap size: the quick-start
# teacher with a third deconvolution, so its 64x48 input gives 32x24 heatmaps
# (sigma 4: the same Gaussian in image px as sigma 2 at 16x12). Teacher of
# ikd-logit-skeleton_hm-res18-w32-hm32x24_hm-res18-w18_synthetic-64x48.py.
_base_ = ['../quickstart/td-hm_res18-w32_synthetic-64x48.py']

codec = dict(
    type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(24, 32), sigma=4)

model = dict(
    head=dict(
        deconv_out_channels=(64, 64, 64),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
