# Runtime shared by every mmpose_kd recipe: MMPose's usual hooks, the plugin
# imported, crash-safe checkpoints, and a student-only checkpoint written when
# training ends.
default_scope = 'mmpose'
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # CheckpointHook's options; saves are crash-safe (never lose the last one)
    checkpoint=dict(
        type='mmpose_kd.SafeCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best='coco/AP',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='PoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(
    type='LogProcessor', window_size=50, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False
backend_args = dict(backend='local')
randomness = dict(seed=0)
