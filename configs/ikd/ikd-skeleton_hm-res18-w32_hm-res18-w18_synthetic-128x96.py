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
            loss_weight=0.1)))
