# TCD ablation: both distillation losses at twice their balanced weights (the
# recipe's 1.0 and 2.0, docs/crd.md "Loss balance").
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        loss_coord=dict(loss_weight=2.0), loss_heatmap=dict(loss_weight=4.0)))
