# IKD ablation on MPII: feature distillation only (backbone output, 1x1 conv +
# BN connector 512 -> 2048 channels).
_base_ = ['./ikd-integral_hm-res50_hm-res18-dc64_8xb64-210e_mpii-256x256.py']

model = dict(
    distill_losses=dict(
        _delete_=True, loss_feature=_base_.model.distill_losses.loss_feature))

# No structure term, so no structure warm-up.
custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
