# IKD variant: the integral recipe with the logit weight decayed linearly from
# 1 to 0 over training: the teacher's soft heatmaps guide the start, the
# ground truth (which the teacher only approximates) the end.
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={
            'distill_losses.loss_logit':
            dict(type='linear', start_factor=1.0, end_factor=0.0),
            # the recipe's structure warm-up, kept
            'distill_losses.loss_structure': {{_base_.structure_warmup}},
        }),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
