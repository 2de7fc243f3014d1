# IKD on COCO, the student alone (baseline and student of the ikd-* COCO
# recipes): SimpleBaseline with a ResNet-18 backbone and a slim head of three
# 64-channel deconvolutions, trained with MMPose's ResNet-50 recipe (data,
# pipeline, 210-epoch schedule) unchanged. Measured at 256x192 by
# tools/analysis/complexity.py on the ikd-integral recipe beside this file:
# 11.83M params / 1.873 GFLOPs vs SimpleBaseline-ResNet-50's 34.00M / 5.450
# GFLOPs, i.e. 34.8% of the params and 34.4% of the FLOPs (the paper's ~35%).
#
# The backbone starts from torchvision's ImageNet ResNet-18, loaded when
# training starts (init_weights), never when the model is built. MMEngine
# resolves `torchvision://` through the torchvision package (not part of the
# pinned CPU stack) and then downloads; without torchvision or offline, point
# it at a local copy of
# https://download.pytorch.org/models/resnet18-f37072fd.pth with
# --cfg-options model.backbone.init_cfg.checkpoint=/path/resnet18.pth
# (model.student.backbone.init_cfg.checkpoint=... in the ikd-* recipes).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    head=dict(
        in_channels=512,
        deconv_out_channels=(64, 64, 64),
        deconv_kernel_sizes=(4, 4, 4)))
