# COCO-WholeBody, the regression student alone (baseline, and student of the
# TCD recipe beside this file): MMPose's DeepPose ResNet-50 recipe (global
# pooling, one FC, 210 epochs, Adam 5e-4, 8 GPUs x 64) with 133 x 2 outputs,
# trained and evaluated on COCO-WholeBody v1.0 (CocoWholeBodyDataset,
# CocoWholeBodyMetric), the data of MMPose's COCO-WholeBody heatmap recipes.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_regression/coco/'
    'td-reg_res50_8xb64-210e_coco-256x192.py'
]

# 17 body + 6 foot + 68 face + 2 x 21 hand keypoints.
model = dict(head=dict(num_joints=133))

train_dataloader = dict(
    dataset=dict(
        type='CocoWholeBodyDataset',
        ann_file='annotations/coco_wholebody_train_v1.0.json'))
val_dataloader = dict(
    dataset=dict(
        type='CocoWholeBodyDataset',
        ann_file='annotations/coco_wholebody_val_v1.0.json'))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoWholeBodyMetric',
    ann_file='data/coco/annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='coco-wholebody/AP'))
