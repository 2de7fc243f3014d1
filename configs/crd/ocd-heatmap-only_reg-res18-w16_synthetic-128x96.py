# OCD ablation: the rendered-heatmap loss alone (regressed coordinates as
# Gaussians against the heatmap branch); no coordinate loss.
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(head=dict(coord_distill=None))

custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={'head.heatmap_distill': {{_base_.ocd_warmup}}}),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
