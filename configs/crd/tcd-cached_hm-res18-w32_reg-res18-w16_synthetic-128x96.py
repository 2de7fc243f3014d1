# TCD from a teacher cache: the live recipe
# (quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py) with the
# teacher's heatmaps read from a cache built once, instead of a teacher
# forward every step (docs/teacher_cache.md). Build the cache first, from the
# live recipe (same teacher, checkpoint, data and pipeline):
#   python tools/build_teacher_cache.py \
#       configs/quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py \
#       --views 4 --heatmaps \
#       --out work_dirs/teacher_cache/tcd_hm-res18-w32_synthetic-128x96
# Epoch e replays one of the 4 stored views of each instance (each view once
# in 4 epochs); the rendered-heatmap loss needs the heatmaps (--heatmaps).
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

teacher_cache_dir = 'work_dirs/teacher_cache/tcd_hm-res18-w32_synthetic-128x96'

model = dict(teacher_cache=dict(dir=teacher_cache_dir))

# The student's codec (td-reg_res18-w16_synthetic-128x96.py).
codec = dict(type='RegressionLabel', input_size=(96, 128))

# The live recipe's RandomFlip + RandomBBoxTransform are replaced by the
# replay of the view the teacher saw; the packer carries its targets.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='mmpose_kd.ReplayTeacherCacheView', cache_dir=teacher_cache_dir),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='mmpose_kd.PackPoseInputsWithTeacherCache')
]
# Persistent workers would keep the epoch (hence the view) of their first one.
train_dataloader = dict(
    persistent_workers=False, dataset=dict(pipeline=train_pipeline))

custom_hooks = [
    dict(type='mmpose_kd.StudentCheckpointHook'),
    dict(type='mmpose_kd.TeacherCacheHook'),  # checks the cache, sets epochs
]
