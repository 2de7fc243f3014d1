# OCD ablation: the coordinate loss alone (task loss against the heatmap
# branch's soft-argmax coordinates); no rendered-heatmap loss.
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(head=dict(heatmap_distill=None))

custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={'head.coord_distill': {{_base_.ocd_warmup}}}),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
