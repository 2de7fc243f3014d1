# IKD logit distillation from a teacher cache: the live recipe
# (ikd-logit_hm-res18-w32_hm-res18-w18_synthetic-128x96.py) with the teacher's
# heatmaps read from the cache instead of a teacher forward every step
# (docs/teacher_cache.md). The cache of the cached TCD recipe serves it: same
# teacher, checkpoint, data and crop transforms (its fingerprint is checked).
# Build it once, from the live TCD recipe:
#   python tools/build_teacher_cache.py \
#       configs/quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py \
#       --views 4 --heatmaps \
#       --out work_dirs/teacher_cache/tcd_hm-res18-w32_synthetic-128x96
_base_ = ['./ikd-logit_hm-res18-w32_hm-res18-w18_synthetic-128x96.py']

teacher_cache_dir = 'work_dirs/teacher_cache/tcd_hm-res18-w32_synthetic-128x96'

model = dict(teacher_cache=dict(dir=teacher_cache_dir))

# The live recipe's RandomFlip + RandomBBoxTransform are replaced by the
# replay of the view the teacher saw; the packer carries its targets. The
# targets are the student's own heatmaps (the inherited codec).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='mmpose_kd.ReplayTeacherCacheView', cache_dir=teacher_cache_dir),
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='GenerateTarget', encoder=_base_.codec),
    dict(type='mmpose_kd.PackPoseInputsWithTeacherCache')
]
# Persistent workers would keep the epoch (hence the view) of their first one.
train_dataloader = dict(
    persistent_workers=False, dataset=dict(pipeline=train_pipeline))

custom_hooks = [
    dict(type='mmpose_kd.StudentCheckpointHook'),
    dict(type='mmpose_kd.TeacherCacheHook'),  # checks the cache, sets epochs
]
