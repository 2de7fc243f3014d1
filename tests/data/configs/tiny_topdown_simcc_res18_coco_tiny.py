# The tiny tool-test model with MMPose's SimCC head (no deconvolutions: the
# 4x3 map is flattened into 1-d x/y classifiers), for tests that need each
# MMPose head family (e.g. --show-dir).
_base_ = ['./tiny_topdown_res18_coco_tiny.py']

codec = dict(
    type='SimCCLabel', input_size=(48, 64), sigma=(1.2, 1.4),
    simcc_split_ratio=2.0)
model = dict(
    head=dict(
        _delete_=True,
        type='SimCCHead',
        in_channels=256,
        out_channels=17,
        input_size=codec['input_size'],
        in_featuremap_size=(3, 4),
        simcc_split_ratio=codec['simcc_split_ratio'],
        deconv_out_channels=None,
        loss=dict(type='KLDiscretLoss', use_target_weight=True),
        decoder=codec))
