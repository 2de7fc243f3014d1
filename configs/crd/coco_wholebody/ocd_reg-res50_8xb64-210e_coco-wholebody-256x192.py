# OCD on COCO-WholeBody: the COCO OCD recipe (DeepPose ResNet-50 + a
# training-only SimpleBaseline heatmap branch, 64x48, sigma 2, OCD warm-up)
# with 133 keypoints in both branches, on COCO-WholeBody v1.0. The deployed
# model is td-reg_res50_8xb64-210e_coco-wholebody-256x192.py's.
_base_ = ['../coco/ocd_reg-res50_8xb64-210e_coco-256x192.py']

model = dict(
    head=dict(
        regression=dict(num_joints=133), heatmap=dict(out_channels=133)))

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
