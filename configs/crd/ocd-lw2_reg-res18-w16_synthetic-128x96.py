# OCD ablation: both OCD losses at twice their balanced weights (the recipe's
# 1.0 and 2.0, docs/crd.md "Loss balance").
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(
    head=dict(
        coord_distill=dict(loss_weight=2.0),
        heatmap_distill=dict(loss_weight=4.0)))
