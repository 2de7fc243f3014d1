# IKD ablation on MPII: structure distillation only, keypoint-relation reading
# (16 x 16 cosine similarities between heatmap channels), with the recipe's
# structure warm-up.
_base_ = ['./ikd-integral_hm-res50_hm-res18-dc64_8xb64-210e_mpii-256x256.py']

model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_structure=_base_.model.distill_losses.loss_structure))
