# Downsized head, trained alone (the baseline of the downsized-head recipes):
# the full integral-regression head of td-ipr_res18-w16_synthetic-128x96.py cut
# to one light layer - one 4x4 deconvolution to 16 channels (x2 upsampling),
# a 1x1 conv to K maps, soft-argmax. Full -> downsized at 128x96, measured by
# `python tools/analysis/complexity.py CONFIG --runs 0`:
#   head     197,997 ->  33,103 params, 19.83 ->  1.63 MFLOPs (12.2x fewer)
#   model    900,093 -> 735,199 params, 72.2  -> 54.0 MFLOPs (-18% params)
# (DeepPose's FC head of the quick-start student: 4,386 params, 706,482 in
# all.) A plain MMPose model (IntegralRegressionHead), exported as is.
_base_ = ['./td-ipr_res18-w16_synthetic-128x96.py']

model = dict(
    head=dict(deconv_out_channels=(16, ), deconv_kernel_sizes=(4, )))
