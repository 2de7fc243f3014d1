# IKD ablation: structure distillation only, keypoint-relation reading (K x K
# cosine similarities between heatmap channels).
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_structure=_base_.model.distill_losses.loss_structure))
