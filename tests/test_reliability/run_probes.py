"""Hooks that probe or crash a training subprocess (tests only).

Imported by test configs through ``custom_imports`` (the tests put this
directory on PYTHONPATH); registered in MMEngine's root hook registry so no
plugin scope is touched.
"""
import hashlib
import json
import os
import os.path as osp
import signal

import torch
from mmengine.config import Config
from mmengine.dist import all_reduce, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

#: Put on a tool subprocess's PYTHONPATH so ``custom_imports`` finds us.
PROBES_DIR = osp.dirname(osp.abspath(__file__))


def dump_probe_config(cfg: dict, path: str) -> str:
    """Write a runner config for a ``tools/train.py`` subprocess: the work
    dir comes from the command line, settings are deterministic, and these
    probes are importable by the run."""
    cfg = dict(cfg)
    cfg.pop('work_dir', None)
    cfg['randomness'] = dict(seed=0, deterministic=True)
    cfg['custom_imports'] = dict(imports=['mmpose_kd', 'run_probes'])
    cfg['log_level'] = 'INFO'
    Config(cfg).dump(path)
    return path


def state_digest(state_dict) -> str:
    """sha256 over a state dict's sorted keys and tensor bytes."""
    digest = hashlib.sha256()
    for key, value in sorted(state_dict.items()):
        digest.update(key.encode())
        digest.update(value.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


@HOOKS.register_module(force=True)
class KillAtIterHook(Hook):
    """SIGKILL the training process after iteration ``iteration`` - no
    clean-up, no final checkpoint, as a pre-empted job ends."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module(force=True)
class GlobalLossRecorderHook(Hook):
    """Write every iteration's loss terms, averaged over ranks, to
    ``<work_dir>/global_losses.jsonl`` (rank 0)."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        record = {'iter': runner.iter + 1}
        for key in sorted(outputs):
            value = torch.as_tensor(outputs[key], dtype=torch.float64)
            value = value.detach().clone()
            all_reduce(value, op='mean')
            record[key] = value.item()
        if get_rank() == 0:
            with open(osp.join(runner.work_dir, 'global_losses.jsonl'),
                      'a') as f:
                f.write(json.dumps(record) + '\n')


@HOOKS.register_module(force=True)
class TeacherFingerprintHook(Hook):
    """Each rank writes a hash of its teacher's state after training."""

    def after_train(self, runner):
        model = getattr(runner.model, 'module', runner.model)
        path = osp.join(runner.work_dir,
                        f'teacher_rank{get_rank()}of{get_world_size()}.sha256')
        with open(path, 'w') as f:
            f.write(state_digest(model.teacher.state_dict()))
