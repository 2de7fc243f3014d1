# TCD ablation: both distillation losses at half their balanced weights (the
# recipe's 1.0 and 2.0, docs/crd.md "Loss balance"); the student's own task
# loss keeps weight 1.
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        loss_coord=dict(loss_weight=0.5), loss_heatmap=dict(loss_weight=1.0)))
