"""ResumeValidationHook: a run stopped between an epoch's checkpoint and its
validation validates that epoch when resumed, and only then.

Real Runner trainings on coco_tiny (2 epochs, validation every epoch): the
first run is stopped by an exception at a chosen point, the second resumes
from its last checkpoint in the same work dir.
"""
import json
import os.path as osp

import pytest
from mmengine.hooks import Hook
from mmengine.registry import HOOKS as ROOT_HOOKS
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.hooks.resume_validation_hook import \
    logged_validation_steps
from mmpose_kd.utils.scalar_logs import scalars_files
from tests.tiny_models import (HEATMAP_CODEC, coco_tiny_runner_cfg,
                               heatmap_model)


class Stopped(RuntimeError):
    """Stands for the kill that ends the first run."""


# in MMEngine's root registry, not mmpose_kd's (which lists our own hooks)
@ROOT_HOOKS.register_module(force=True)
class StopAtHook(Hook):
    """Raise :class:`Stopped` at ``stage`` of epoch ``epoch`` (1-based)."""

    def __init__(self, stage, epoch=1, by_iteration=False):
        self.stage, self.epoch = stage, epoch
        self.by_iteration = by_iteration

    def before_val_epoch(self, runner):
        position = runner.iter if self.by_iteration else runner.epoch
        if self.stage == 'validation' and position == self.epoch:
            raise Stopped('stopped in the validation')

    def before_train_epoch(self, runner):
        if self.stage == 'next epoch' and runner.epoch == self.epoch:
            raise Stopped('stopped before the next epoch')


def run(data_dir, work_dir, stop=None, resume=False, resume_hook=True,
        by_iteration=False):
    hooks = [dict(type='StopAtHook', stage=stop)] if stop else []
    if resume and resume_hook:
        hooks.append(dict(type='mmpose_kd.ResumeValidationHook'))
    cfg = coco_tiny_runner_cfg(heatmap_model(base_channels=8, deconv=(16, 16)),
                               HEATMAP_CODEC, data_dir, work_dir,
                               max_epochs=2, custom_hooks=hooks)
    cfg['resume'] = resume
    if by_iteration:  # 1 iteration an epoch on coco_tiny at batch 4
        cfg['train_cfg'] = dict(by_epoch=False, max_iters=2, val_interval=1)
        cfg['train_dataloader']['sampler'] = dict(type='InfiniteSampler')
        cfg['default_hooks']['checkpoint'] = dict(
            type='CheckpointHook', interval=1, by_epoch=False)
        cfg['default_hooks']['logger']['log_metric_by_epoch'] = False
        for hook in hooks:
            if hook['type'] == 'StopAtHook':
                hook['by_iteration'] = True
    # MMEngine shares a visualizer (and its log dir) between runners of one
    # experiment name, by default the start second
    cfg['experiment_name'] = f'{osp.basename(work_dir)}_{stop}_{resume}_' \
        f'{osp.basename(osp.dirname(work_dir))}'
    runner = Runner.from_cfg(cfg)
    if stop:
        with pytest.raises(Stopped):
            runner.train()
    else:
        runner.train()


def validations(work_dir):
    """``step -> number of validation records`` over the work dir's logs."""
    counts = {}
    for path in scalars_files(work_dir):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'coco/AP' in record:
                    counts[record['step']] = counts.get(record['step'], 0) + 1
    return counts


@pytest.mark.parametrize('resume_hook,expected', [
    (True, {1: 1, 2: 1}),
    (False, {2: 1}),  # MMEngine alone: epoch 1's validation is lost
])
def test_resume_validates_the_epoch_whose_validation_was_lost(
        coco_tiny_dir, tmp_path, resume_hook, expected):
    work_dir = str(tmp_path / 'run')
    run(coco_tiny_dir, work_dir, stop='validation')
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert validations(work_dir) == {}
    run(coco_tiny_dir, work_dir, resume=True, resume_hook=resume_hook)
    assert validations(work_dir) == expected


def test_an_iteration_based_run_validates_the_lost_iteration(
        coco_tiny_dir, tmp_path):
    work_dir = str(tmp_path / 'run')
    run(coco_tiny_dir, work_dir, stop='validation', by_iteration=True)
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))
    assert validations(work_dir) == {}
    run(coco_tiny_dir, work_dir, resume=True, by_iteration=True)
    assert validations(work_dir) == {1: 1, 2: 1}


def test_resume_does_not_validate_an_epoch_twice(coco_tiny_dir, tmp_path):
    work_dir = str(tmp_path / 'run')
    run(coco_tiny_dir, work_dir, stop='next epoch')
    assert validations(work_dir) == {1: 1}
    run(coco_tiny_dir, work_dir, resume=True)
    assert validations(work_dir) == {1: 1, 2: 1}


def test_resume_after_the_final_checkpoint_gives_the_final_validation(
        coco_tiny_dir, tmp_path):
    work_dir = str(tmp_path / 'run')
    run(coco_tiny_dir, work_dir)
    first = validations(work_dir)
    # lose the final validation record, as a kill in it would have
    for path in scalars_files(work_dir):
        with open(path) as f:
            kept = [line for line in f if '"step": 2' not in line
                    or '"iter"' in line]
        with open(path, 'w') as f:
            f.writelines(kept)
    assert validations(work_dir) == {1: 1}
    run(coco_tiny_dir, work_dir, resume=True)
    assert first == {1: 1, 2: 1} and validations(work_dir) == {1: 1, 2: 1}


def test_a_fresh_run_is_not_validated_before_training(coco_tiny_dir,
                                                      tmp_path):
    work_dir = str(tmp_path / 'run')
    cfg = coco_tiny_runner_cfg(
        heatmap_model(base_channels=8, deconv=(16, 16)), HEATMAP_CODEC,
        coco_tiny_dir, work_dir, max_epochs=1,
        custom_hooks=[dict(type='mmpose_kd.ResumeValidationHook')])
    cfg['resume'] = True  # nothing to resume from: a fresh start
    cfg['experiment_name'] = f'fresh_{osp.basename(str(tmp_path))}'
    Runner.from_cfg(cfg).train()
    assert validations(work_dir) == {1: 1}


def test_logged_validation_steps_reads_validation_records_only(tmp_path):
    path = tmp_path / 'scalars.json'
    path.write_text(
        '{"lr": 0.1, "loss": 1.0, "epoch": 1, "iter": 3, "step": 3}\n'
        '{"coco/AP": 0.5, "PCK": 0.7, "step": 1}\n'
        '{"coco/AP": 0.6, "st')  # a record cut short by a kill
    assert logged_validation_steps([str(path)]) == {1}
