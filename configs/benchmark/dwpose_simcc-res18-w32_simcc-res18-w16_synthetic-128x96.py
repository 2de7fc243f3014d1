# Benchmark pair, distilled by MMPose 1.3.2's own DWPoseDistiller (first
# stage): feature loss (FeaLoss, 1x1 conv 128 -> 256 on the last backbone
# stage) + SimCC logit loss (KDLoss), both decayed by (1 - epoch / max_epochs)
# inside the model. Compared with the mmpose_kd recipe next to it, so both
# use alpha_fea = 0.3 x DWPose's 0.00007, chosen to damp a feature term that
# pulls far harder than the task loss on the backbone at init (docs/ikd.md
# "Loss balance", to be re-measured: the figure there was taken at a quarter
# of this weight).
_base_ = ['./td-simcc_res18-w16_synthetic-128x96.py']

# Set to the trained teacher (tools/analysis/benchmark.py does).
teacher_ckpt = 'work_dirs/td-simcc_res18-w32_synthetic-128x96/epoch_24.pth'

model = dict(
    _delete_=True,
    type='DWPoseDistiller',
    teacher_pretrained=teacher_ckpt,
    teacher_cfg='{{fileDirname}}/td-simcc_res18-w32_synthetic-128x96.py',
    student_cfg='{{fileDirname}}/td-simcc_res18-w16_synthetic-128x96.py',
    distill_cfg=[
        dict(methods=[
            dict(type='FeaLoss', name='loss_fea', use_this=True,
                 student_channels=128, teacher_channels=256,
                 alpha_fea=0.3 * 0.00007)
        ]),
        dict(methods=[
            dict(type='KDLoss', name='loss_logit', use_this=True, weight=0.1)
        ]),
    ],
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True))
