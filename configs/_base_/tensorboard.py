# Log to TensorBoard as well as to the work dir's JSON scalars: add this file
# last to a recipe's `_base_` list. Needs the
# `tensorboard` package (requirements/deploy.txt); view with
#   tensorboard --logdir work_dirs/<run>
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend'),
]
visualizer = dict(
    type='PoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')
