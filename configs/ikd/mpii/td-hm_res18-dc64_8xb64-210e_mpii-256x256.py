# IKD on MPII, the student alone (baseline and student of the ikd-* MPII
# recipes): SimpleBaseline with a ResNet-18 backbone and a slim head of three
# 64-channel deconvolutions (the COCO IKD student's), trained with MMPose's
# SimpleBaseline-ResNet-50 MPII recipe (data, pipeline, 210-epoch schedule,
# PCKh) unchanged. Measured at 256x256 by tools/analysis/complexity.py on the
# ikd-integral recipe beside this file (--runs 0): 11.83M params / 2.498
# GFLOPs vs SimpleBaseline-ResNet-50's 34.00M / 7.266 GFLOPs, i.e. 34.8% of
# the params and 34.4% of the FLOPs (the paper's ~35%).
#
# The backbone starts from torchvision's ImageNet ResNet-18 when training
# starts (docs/ikd.md: offline, pass a local copy with
# --cfg-options model.backbone.init_cfg.checkpoint=/path/resnet18.pth, or
# model.student.backbone.init_cfg.checkpoint=... in the ikd-* recipes).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
    'td-hm_res50_8xb64-210e_mpii-256x256.py'
]

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    head=dict(
        in_channels=512,
        deconv_out_channels=(64, 64, 64),
        deconv_kernel_sizes=(4, 4, 4)))
