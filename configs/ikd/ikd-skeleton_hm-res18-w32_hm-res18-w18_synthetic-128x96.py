# IKD ablation: structure distillation only, skeleton reading (bone vectors
# of soft-argmax keypoints along the COCO skeleton). The skeleton comes from
# MMPose's COCO metainfo, found in MMPose's bundled configs from any directory.
_base_ = ['./ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_structure=dict(
            type='SkeletonDistillLoss',
            metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
            # 0.02 behind the recipe's warm-up: per unit weight it pulls
            # ~1500x (whole student) / 11000x (backbone) at init and 60x / 80x
            # by iteration 20 (docs/ikd.md "Loss balance").
            loss_weight=0.02)))
