# OCD ablation: both branches trained on the ground truth, no OCD loss - the
# effect of the shared heatmap branch alone (multi-task learning).
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(head=dict(coord_distill=None, heatmap_distill=None))

custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
