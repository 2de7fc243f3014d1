"""SafeCheckpointHook: a crash in the middle of a save keeps the last good
checkpoint usable, and ``resume`` continues from it."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose_kd.utils import safe_load_checkpoint
from tests.tiny_models import HEATMAP_CODEC, coco_tiny_runner_cfg, heatmap_model


def runner_cfg(data_dir, work_dir, hook_type, max_epochs=2):
    cfg = coco_tiny_runner_cfg(
        heatmap_model(base_channels=8, deconv=(16, 16)), HEATMAP_CODEC,
        data_dir, work_dir, max_epochs=max_epochs)
    cfg['default_hooks']['checkpoint'] = dict(
        type=hook_type, interval=1, max_keep_ckpts=1)
    cfg['train_cfg']['val_interval'] = 100  # no validation needed here
    return cfg


def crash_on_second_save(monkeypatch):
    """Make the second checkpoint write die half-way, as on a full disk."""
    import mmengine.runner.runner as runner_module
    real_save = runner_module.save_checkpoint
    calls = []

    def save(checkpoint, filename, *args, **kwargs):
        calls.append(filename)
        if len(calls) < 2:
            return real_save(checkpoint, filename, *args, **kwargs)
        with open(filename, 'wb') as f:
            f.write(b'PK\x03\x04 half a checkpoint')
        raise OSError(28, 'No space left on device', filename)

    monkeypatch.setattr(runner_module, 'save_checkpoint', save)
    return calls


def loadable(path):
    try:
        return 'state_dict' in safe_load_checkpoint(path)
    except Exception:  # noqa: BLE001 - any failure means unusable
        return False


def test_crash_during_save_keeps_the_last_good_checkpoint(
        coco_tiny_dir, tmp_path, monkeypatch):
    work_dir = str(tmp_path)
    calls = crash_on_second_save(monkeypatch)
    runner = Runner.from_cfg(Config(runner_cfg(
        coco_tiny_dir, work_dir, 'mmpose_kd.SafeCheckpointHook')))
    with pytest.raises(OSError, match='No space left'):
        runner.train()
    assert calls[-1].endswith('epoch_2.pth.tmp')
    marker = open(osp.join(work_dir, 'last_checkpoint')).read()
    assert marker == osp.join(work_dir, 'epoch_1.pth')
    assert loadable(marker)
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))

    monkeypatch.undo()
    cfg = runner_cfg(coco_tiny_dir, work_dir, 'mmpose_kd.SafeCheckpointHook')
    cfg['resume'] = True
    runner = Runner.from_cfg(Config(cfg))
    runner.train()
    assert runner.epoch == 2
    assert loadable(osp.join(work_dir, 'epoch_2.pth'))
    # max_keep_ckpts=1 still holds once the new save is complete
    assert not osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    assert open(osp.join(work_dir, 'last_checkpoint')).read() == osp.join(
        work_dir, 'epoch_2.pth')


def test_mmengine_hook_loses_everything_in_the_same_crash(
        coco_tiny_dir, tmp_path, monkeypatch):
    """Why the hook exists: the stock hook deletes epoch_1 before writing
    epoch_2, so the same crash leaves nothing to resume from."""
    work_dir = str(tmp_path)
    crash_on_second_save(monkeypatch)
    runner = Runner.from_cfg(Config(runner_cfg(
        coco_tiny_dir, work_dir, 'CheckpointHook')))
    with pytest.raises(OSError):
        runner.train()
    assert not osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    assert not loadable(osp.join(work_dir, 'epoch_2.pth'))


def test_default_runtime_uses_the_safe_hook():
    from benchmark_harness.quickstart import REPO_ROOT
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_',
                                   'default_runtime.py'))
    assert cfg.default_hooks.checkpoint.type == 'mmpose_kd.SafeCheckpointHook'
