# TCD ablation: the coordinate loss alone (the student's task loss against
# the frozen teacher's soft-argmax coordinates); no rendered-heatmap loss.
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        _delete_=True, loss_coord={{_base_.model.distill_losses.loss_coord}}))
