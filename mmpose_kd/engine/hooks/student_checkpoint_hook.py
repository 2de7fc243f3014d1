"""Write a student-only checkpoint that plain MMPose loads, after training."""
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmpose_kd.deploy.export_student import (STUDENT_CHECKPOINT, STUDENT_CONFIG,
                                           save_plain_student, to_plain_data)
from mmpose_kd.registry import HOOKS

__all__ = ['StudentCheckpointHook', 'to_plain_data']


@HOOKS.register_module()
class StudentCheckpointHook(Hook):
    """Save ``student.pth`` and ``student_config.py`` in the work dir.

    The deployed student is the distiller's student, or - for a model trained
    alone, e.g. by OCD - the model itself. A
    :class:`~mmpose_kd.models.heads.CrossRepresentationHead` is reduced to
    its regression branch. The checkpoint holds only the student's
    ``state_dict`` and a ``meta`` with plain-data ``dataset_meta``, so
    ``mmpose.apis.init_model`` loads it with ``student_config.py`` (MMPose
    types where possible, see
    :func:`mmpose_kd.deploy.student_config.deployable_student_config`)
    and no ``mmpose_kd`` import. Teacher, connectors and heatmap branch are
    not in it. ``tools/export_student.py`` does the same from a saved runner
    checkpoint.

    Args:
        filename (str): Checkpoint file name. Defaults to ``student.pth``.
        config_filename (str): Config file name.
    """

    priority = 'LOW'

    def __init__(self,
                 filename: str = STUDENT_CHECKPOINT,
                 config_filename: str = STUDENT_CONFIG):
        self.filename = filename
        self.config_filename = config_filename

    def after_train(self, runner) -> None:
        if not is_main_process():
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if hasattr(model, 'student_state_dict'):
            student_cfg, state_dict = (model.student_cfg,
                                       model.student_state_dict())
        elif hasattr(model, 'extract_feat') and hasattr(model, 'head'):
            student_cfg, state_dict = runner.cfg.model, model.state_dict()
        else:
            raise TypeError(
                'StudentCheckpointHook needs a distiller (with '
                '`student_state_dict`) or an MMPose pose estimator, got '
                f'{type(model).__name__}.')
        meta = dict(
            epoch=runner.epoch,
            iter=runner.iter,
            dataset_meta=getattr(runner.train_dataloader.dataset, 'metainfo',
                                 None))
        path, _ = save_plain_student(
            runner.work_dir,
            runner.cfg,
            student_cfg,
            state_dict,
            meta,
            filename=self.filename,
            config_filename=self.config_filename)
        runner.logger.info(f'student-only checkpoint saved to {path}')
