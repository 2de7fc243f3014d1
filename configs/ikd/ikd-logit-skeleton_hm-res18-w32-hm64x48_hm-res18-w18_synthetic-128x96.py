# IKD with the teacher's heatmaps at twice the student's size (64x48 vs
# 32x24): the logit loss resizes the student's heatmaps to the teacher's in
# MMPose's heatmap convention (x_T = 2 x_S; docs/ikd.md), the skeleton loss
# scales the student's soft-argmax coordinates by the same factor, so both
# terms agree on where a keypoint is. The teacher is
# td-hm_res18-w32-hm64x48_synthetic-128x96.py, trained like the quick-start one.
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

teacher_ckpt = 'work_dirs/td-hm_res18-w32-hm64x48_synthetic-128x96/epoch_24.pth'

model = dict(
    teacher='mmpose_kd::ikd/td-hm_res18-w32-hm64x48_synthetic-128x96.py',
    teacher_ckpt=teacher_ckpt,
    distill_losses=dict(
        _delete_=True,
        loss_logit=dict(
            type='HeatmapLogitDistillLoss', mode='mse', align='bilinear',
            loss_weight=1.0),
        loss_structure=dict(
            type='SkeletonDistillLoss',
            metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
            # 0.01 behind the recipe's warm-up: with the teacher's coordinates
            # at twice the scale it pulls 160x / 290x (whole / backbone) per
            # unit weight by iteration 20 (untrained teacher, docs/ikd.md).
            loss_weight=0.01)))
