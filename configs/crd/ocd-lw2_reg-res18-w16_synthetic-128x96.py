# OCD ablation: both OCD losses at double weight.
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(
    head=dict(
        coord_distill=dict(loss_weight=2.0),
        heatmap_distill=dict(loss_weight=2.0)))
