# IKD ablation on MPII: logit distillation only (heatmap MSE to the
# teacher's heatmaps).
_base_ = ['./ikd-integral_hm-res50_hm-res18-dc64_8xb64-210e_mpii-256x256.py']

model = dict(
    distill_losses=dict(
        _delete_=True, loss_logit=_base_.model.distill_losses.loss_logit))

# No structure term, so no structure warm-up.
custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
