# IKD ablation: structure distillation only, pixel-pair reading (Liu et al.,
# CVPR 2019) on the backbone outputs. They are 4 x 3 here, so no pooling
# (pool=2 would leave 2 pixels); the affinity is channel-free (no connector).
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_structure=dict(
            type='PixelPairDistillLoss',
            student_input='backbone',
            teacher_input='backbone',
            pool=1,
            # 0.05 behind the recipe's warm-up: on the backbone it pulls
            # ~1400x at init and 24x by iteration 20 per unit weight
            # (docs/ikd.md "Loss balance").
            loss_weight=0.05)))
