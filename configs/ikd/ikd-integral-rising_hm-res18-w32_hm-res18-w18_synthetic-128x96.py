# IKD variant: the integral recipe with every distillation weight rising as
# the student catches up. At the teacher's budget integral IKD's lead is a
# head start that shrinks to nothing (docs/ikd.md): the terms, balanced
# against the task loss at the start, pull less and less as the student's
# outputs near the teacher's. This variant asks whether keeping them strong
# late moves the end point: logit and feature weights rise linearly from 1x
# to 4x the recipe's over the run; the keypoint relation rises from 0 to 4x
# (it passes the recipe's 1x at a quarter of the run, where the recipe's
# warm-up ends at a fifth).
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

rise = dict(type='linear', start_factor=1.0, end_factor=4.0)
custom_hooks = [
    dict(
        type='mmpose_kd.DistillLossWeightHook',
        by_fraction=True,
        schedules={
            'distill_losses.loss_logit': rise,
            'distill_losses.loss_feature': rise,
            'distill_losses.loss_structure':
            dict(type='linear', start_factor=0.0, end_factor=4.0),
        }),
    dict(type='mmpose_kd.StudentCheckpointHook'),
]
