# TCD on COCO: MMPose's DeepPose ResNet-50 student taught by a frozen
# SimpleBaseline ResNet-50 heatmap teacher (71.8 AP in the MMPose zoo): the
# student's task loss against the teacher's soft-argmax coordinates and its
# coordinates rendered as Gaussians against the teacher's heatmaps. Data,
# schedule and runtime are MMPose's DeepPose recipe.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_regression/coco/'
    'td-reg_res50_8xb64-210e_coco-256x192.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# Set this to the teacher's weights, a local file, e.g. downloaded from
# https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth
teacher_ckpt = 'checkpoints/td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmpose_kd',
    type='PoseDistiller',
    student='mmpose::body_2d_keypoint/topdown_regression/coco/'
    'td-reg_res50_8xb64-210e_coco-256x192.py',
    teacher='mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
    teacher_ckpt=teacher_ckpt,
    distill_losses=dict(
        loss_coord=dict(
            type='CoordDistillLoss',
            criterion=dict(type='SmoothL1Loss', use_target_weight=True),
            loss_weight=1.0),
        # sigma 2: the teacher codec's (MSRAHeatmap, 64x48). Weight 2.0: the
        # default-data TCD's balanced weight (docs/crd.md "Loss balance"),
        # carried over unmeasured (no COCO run on the project's machine).
        loss_heatmap=dict(
            type='RenderedHeatmapDistillLoss', sigma=2.0, loss_weight=2.0)))

custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
