# Benchmark pair, student alone: the teacher's recipe at quarter width
# (ResNet-18, 128 output channels) - the baseline of both distillers below.
_base_ = ['./td-simcc_res18-w32_synthetic-128x96.py']

model = dict(
    backbone=dict(base_channels=16, stem_channels=16),
    head=dict(in_channels=128))
