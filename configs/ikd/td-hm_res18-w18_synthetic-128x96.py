# IKD on the default data, the student alone (the no-distillation baseline and
# the student of every ikd-*_synthetic-128x96 recipe): the quick-start teacher's
# SimpleBaseline slimmed to ResNet-18 at width 18 with 48-channel deconvs.
# Measured at 128x96 (python tools/analysis/complexity.py
# configs/ikd/ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py):
# 1.036M params / 78.4 MFLOPs vs the teacher's 3.128M / 220.6 MFLOPs, i.e.
# 33.1% of the params and 35.5% of the FLOPs (the paper's ~35% budget).
_base_ = ['../quickstart/td-hm_res18-w32_synthetic-128x96.py']

model = dict(
    backbone=dict(base_channels=18, stem_channels=18),
    head=dict(in_channels=144, deconv_out_channels=(48, 48)))
