# OCD ablation: the OCD losses at full weight from the first iteration (no
# warm-up while the heatmap branch is still untrained).
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
