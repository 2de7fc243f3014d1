# OCD ablation (a second reading of loss 3): the rendered heatmap is matched
# to the heatmap branch by KL divergence over the spatial softmax, not MSE.
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(head=dict(heatmap_distill=dict(mode='kl', tau=1.0)))
