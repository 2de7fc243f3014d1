# TCD on COCO-WholeBody: the DeepPose ResNet-50 student beside this file (133
# x 2 outputs) taught by a frozen SimpleBaseline ResNet-50 heatmap teacher
# (MMPose zoo, whole-body AP 0.521): the student's task loss against the
# teacher's soft-argmax coordinates and its coordinates rendered as Gaussians
# against the teacher's heatmaps, as in the COCO TCD recipe. Data, schedule
# and runtime are the student's.
_base_ = ['./td-reg_res50_8xb64-210e_coco-wholebody-256x192.py']
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# The MMPose zoo teacher, as listed in MMPose's model index (configs/
# wholebody_2d_keypoint/topdown_heatmap/coco-wholebody/resnet_coco-wholebody.yml).
teacher_ckpt = ('https://download.openmmlab.com/mmpose/top_down/resnet/'
                'res50_coco_wholebody_256x192-9e37ed88_20201004.pth')

model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student=_base_.model,
    teacher='mmpose::wholebody_2d_keypoint/topdown_heatmap/coco-wholebody/'
    'td-hm_res50_8xb64-210e_coco-wholebody-256x192.py',
    teacher_ckpt=teacher_ckpt,
    distill_losses=dict(
        loss_coord=dict(
            type='CoordDistillLoss',
            criterion=dict(type='SmoothL1Loss', use_target_weight=True),
            loss_weight=1.0),
        # sigma 2: the teacher codec's (MSRAHeatmap, 64x48). Weights: the
        # default-data TCD's balanced ones (docs/crd.md "Loss balance"),
        # carried over unmeasured.
        loss_heatmap=dict(
            type='RenderedHeatmapDistillLoss', sigma=2.0, loss_weight=2.0)))

custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
