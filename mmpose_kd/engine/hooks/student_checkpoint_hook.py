"""Write a student-only checkpoint that plain MMPose loads, after training."""
import os
import os.path as osp

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmpose_kd.apis.student_config import plain_student_config
from mmpose_kd.registry import HOOKS


def to_plain_data(value):
    """Replace numpy arrays/scalars inside ``value`` by lists/numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: to_plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain_data(v) for v in value)
    return value


@HOOKS.register_module()
class StudentCheckpointHook(Hook):
    """Save ``student.pth`` and ``student_config.py`` in the work dir.

    The checkpoint holds only the student's ``state_dict`` and a ``meta``
    with ``dataset_meta``, so ``mmpose.apis.init_model`` loads it with a plain
    MMPose config and no ``mmpose_kd`` import. Teacher and connectors are
    not in it. ``student_config.py`` is the run's config with the student as
    the model and only MMPose types (see :func:`plain_student_config`).

    Args:
        filename (str): Checkpoint file name. Defaults to ``student.pth``.
        config_filename (str): Config file name.
    """

    priority = 'LOW'

    def __init__(self,
                 filename: str = 'student.pth',
                 config_filename: str = 'student_config.py'):
        self.filename = filename
        self.config_filename = config_filename

    def after_train(self, runner) -> None:
        if not is_main_process():
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'student_state_dict'):
            raise TypeError('StudentCheckpointHook needs a distiller model '
                            f'(with `student_state_dict`), got '
                            f'{type(model).__name__}.')
        state_dict = {k: v.detach().cpu()
                      for k, v in model.student_state_dict().items()}
        # Plain Python data only: torch's weights_only loader (the default
        # in torch >= 2.6) rejects numpy objects in a checkpoint.
        meta = dict(
            epoch=runner.epoch,
            iter=runner.iter,
            dataset_meta=to_plain_data(
                getattr(runner.train_dataloader.dataset, 'metainfo', None)))
        path = osp.join(runner.work_dir, self.filename)
        tmp_path = path + '.tmp'
        torch.save(dict(meta=meta, state_dict=state_dict), tmp_path)
        os.replace(tmp_path, path)
        plain_student_config(runner.cfg, model.student_cfg).dump(
            osp.join(runner.work_dir, self.config_filename))
        runner.logger.info(f'student-only checkpoint saved to {path}')
