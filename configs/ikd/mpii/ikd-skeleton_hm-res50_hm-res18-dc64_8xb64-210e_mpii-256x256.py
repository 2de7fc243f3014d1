# IKD ablation on MPII: structure distillation only, skeleton reading (bone
# vectors of soft-argmax keypoints along MPII's 16-point skeleton, 15 links),
# with the recipe's structure warm-up. The skeleton comes from MMPose's MPII
# metainfo (the file MpiiDataset reads), found in MMPose's bundled configs
# from any directory.
_base_ = ['./ikd-integral_hm-res50_hm-res18-dc64_8xb64-210e_mpii-256x256.py']

model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_structure=dict(
            type='SkeletonDistillLoss',
            metainfo=dict(from_file='configs/_base_/datasets/mpii.py'),
            # The default-data skeleton recipe's balanced weight (docs/ikd.md
            # "Loss balance"), carried over unmeasured.
            loss_weight=0.02)))
