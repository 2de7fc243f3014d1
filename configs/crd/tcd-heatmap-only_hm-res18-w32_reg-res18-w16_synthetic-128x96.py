# TCD ablation: the rendered-heatmap loss alone (the student's coordinates as
# Gaussians against the teacher's heatmaps); no coordinate loss.
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_heatmap={{_base_.model.distill_losses.loss_heatmap}}))
