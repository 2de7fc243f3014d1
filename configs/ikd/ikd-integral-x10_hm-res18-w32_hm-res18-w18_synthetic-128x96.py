# IKD variant (loss-weight ablation): the integral recipe with every
# distillation weight x10 of its balanced weight (1.0, 0.005, 0.02; docs/ikd.md
# "Loss balance"), so the teacher's terms outweigh the ground-truth heatmap
# loss. The structure warm-up is inherited.
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        loss_logit=dict(loss_weight=10.0),
        loss_feature=dict(loss_weight=0.05),
        loss_structure=dict(loss_weight=0.2)))
