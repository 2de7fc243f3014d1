"""``tools/train.py`` flags: how each changes the config the Runner gets."""
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmpose_kd.cli.runner_args import apply_launcher
from mmpose_kd.cli.train import (build_train_config, build_train_parser,
                                  merge_train_args, parse_train_args)

TINY_CONFIG = osp.join(
    osp.dirname(osp.dirname(__file__)), 'data', 'configs',
    'tiny_topdown_res18_coco_tiny.py')


def train_cfg(*flags):
    return build_train_config(parse_train_args([TINY_CONFIG, *flags]))


@pytest.fixture(autouse=True)
def restore_local_rank(monkeypatch):
    """Parsing exports LOCAL_RANK; keep it from leaking into other tests."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.delenv('LOCAL_RANK')


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)


@pytest.fixture
def with_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)


def test_work_dir_defaults_to_config_basename():
    cfg = train_cfg()
    assert cfg.work_dir == osp.join('work_dirs',
                                    'tiny_topdown_res18_coco_tiny')


def test_work_dir_flag_wins_and_config_value_beats_default(tmp_path):
    assert train_cfg('--work-dir', str(tmp_path)).work_dir == str(tmp_path)
    assert train_cfg('--cfg-options',
                     'work_dir=from_cfg').work_dir == 'from_cfg'


def test_cfg_options_merge_nested_values_and_override_flags():
    cfg = train_cfg('--work-dir', 'flag_dir', '--cfg-options',
                    'train_cfg.max_epochs=3', 'model.backbone.depth=34',
                    'optim_wrapper.optimizer.lr=0.01', 'work_dir=opt_dir')
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.model.backbone.depth == 34
    assert cfg.model.backbone.num_stages == 3  # siblings kept
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(0.01)
    assert cfg.work_dir == 'opt_dir'  # --cfg-options are applied last


def test_resume_flags():
    cfg = train_cfg()
    assert cfg.resume is False and cfg.load_from is None
    cfg = train_cfg('--resume')
    assert cfg.resume is True and cfg.load_from is None  # latest in work_dir
    cfg = train_cfg('--resume', 'some/epoch_3.pth')
    assert cfg.resume is True and cfg.load_from == 'some/epoch_3.pth'


def hook_types(cfg):
    return [hook['type'] for hook in cfg.get('custom_hooks') or []]


def test_resume_adds_the_resume_validation_hook_once():
    assert 'mmpose_kd.ResumeValidationHook' not in hook_types(train_cfg())
    cfg = train_cfg('--resume', '--channels-last')
    assert hook_types(cfg).count('mmpose_kd.ResumeValidationHook') == 1
    assert 'mmpose_kd.ChannelsLastHook' in hook_types(cfg)
    # a config that lists it already (unscoped) keeps its own entry only
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.custom_hooks = [dict(type='ResumeValidationHook')]
    merge_train_args(cfg, parse_train_args([TINY_CONFIG, '--resume']))
    assert hook_types(cfg) == ['ResumeValidationHook']


def test_distributed_launch_without_cuda_uses_gloo(no_cuda):
    cfg = train_cfg('--launcher', 'pytorch')
    assert cfg.launcher == 'pytorch'
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    # even when --cfg-options asks for nccl, which cannot work without CUDA
    cfg = train_cfg('--launcher', 'slurm', '--cfg-options',
                    'env_cfg.dist_cfg.backend=nccl')
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


def test_backend_kept_with_cuda_or_without_launcher(with_cuda, monkeypatch):
    cfg = train_cfg('--launcher', 'pytorch')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = train_cfg()
    assert cfg.launcher == 'none' and cfg.env_cfg.dist_cfg.backend == 'nccl'
    # a CPU-capable backend the user chose is left alone
    cfg = train_cfg('--launcher', 'mpi', '--cfg-options',
                    'env_cfg.dist_cfg.backend=mpi')
    assert cfg.env_cfg.dist_cfg.backend == 'mpi'


def test_gloo_added_when_config_has_no_env_cfg(no_cuda):
    cfg = train_cfg()
    cfg.pop('env_cfg')
    apply_launcher(cfg, 'pytorch')
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


@pytest.fixture
def cpu_bf16(monkeypatch):
    """Pretend this CPU has (True) or lacks (False) native bfloat16."""
    def set_support(value):
        monkeypatch.setattr('mmpose_kd.cli.train.cpu_bf16_supported',
                            lambda: value)
    return set_support


def test_amp_refused_without_cuda_or_cpu_bf16(no_cuda, cpu_bf16, capsys):
    cpu_bf16(False)
    with pytest.raises(SystemExit) as error:
        parse_train_args([TINY_CONFIG, '--amp'])
    assert error.value.code == 2
    message = capsys.readouterr().err
    assert '--amp needs a CUDA' in message
    assert 'native bfloat16' in message
    assert 'Run without --amp' in message


def test_amp_picks_cpu_bfloat16_wrapper_without_cuda(no_cuda, cpu_bf16):
    cpu_bf16(True)
    cfg = train_cfg('--amp')
    assert cfg.optim_wrapper.type == 'mmpose_kd.CPUAmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert cfg.optim_wrapper.optimizer.type == 'Adam'


def test_channels_last_flag_adds_the_hook_once_beside_config_hooks():
    base = Config.fromfile(TINY_CONFIG)
    base.custom_hooks = [dict(type='mmpose_kd.StudentCheckpointHook')]
    merged = merge_train_args(
        base, parse_train_args([TINY_CONFIG, '--channels-last']))
    assert [h['type'] for h in merged.custom_hooks] == [
        'mmpose_kd.StudentCheckpointHook', 'mmpose_kd.ChannelsLastHook']
    again = merge_train_args(
        merged, parse_train_args([TINY_CONFIG, '--channels-last']))
    assert len(again.custom_hooks) == 2
    assert not any('ChannelsLast' in h['type']
                   for h in train_cfg().get('custom_hooks', []))


def test_amp_switches_to_amp_optim_wrapper_with_cuda(with_cuda):
    cfg = train_cfg('--amp')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.optimizer.type == 'Adam'


def test_amp_on_cuda_turns_a_cpu_bf16_schedule_into_mmengine_amp(with_cuda):
    base = Config.fromfile(TINY_CONFIG)
    base.optim_wrapper = dict(
        type='mmpose_kd.CPUAmpOptimWrapper', dtype='bfloat16',
        on_unsupported='float32', channels_last=True,
        optimizer=dict(type='Adam', lr=1e-3))
    cfg = merge_train_args(base, parse_train_args([TINY_CONFIG, '--amp']))
    assert cfg.optim_wrapper == dict(
        type='AmpOptimWrapper', loss_scale='dynamic',
        optimizer=dict(type='Adam', lr=1e-3))


def test_amp_rejects_custom_optim_wrapper(with_cuda):
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.optim_wrapper.type = 'MyWrapper'
    with pytest.raises(ValueError, match="'MyWrapper'"):
        merge_train_args(cfg, parse_train_args([TINY_CONFIG, '--amp']))


def test_auto_scale_lr_and_no_validate():
    cfg = train_cfg('--auto-scale-lr', '--no-validate')
    assert cfg.auto_scale_lr.enable is True
    assert cfg.auto_scale_lr.base_batch_size == 4
    assert cfg.val_cfg is None and cfg.val_dataloader is None
    assert cfg.val_evaluator is None


def test_auto_scale_lr_needs_base_batch_size():
    args = parse_train_args([TINY_CONFIG, '--auto-scale-lr'])
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.pop('auto_scale_lr')
    with pytest.raises(ValueError, match='base_batch_size'):
        merge_train_args(cfg, args)


def test_show_dir_enables_visualization(tmp_path):
    cfg = train_cfg('--show-dir', str(tmp_path))
    assert cfg.default_hooks.visualization.enable is True
    assert cfg.default_hooks.visualization.out_dir == str(tmp_path)


def test_local_rank_exported_only_when_launcher_did_not():
    parse_train_args([TINY_CONFIG, '--local-rank', '3'])
    assert os.environ['LOCAL_RANK'] == '3'
    parse_train_args([TINY_CONFIG, '--local_rank=5'])
    assert os.environ['LOCAL_RANK'] == '3'  # torchrun's value is kept


def test_help_is_what_mim_expects():
    text = build_train_parser().format_help()
    for flag in ('--work-dir', '--resume', '--amp', '--cfg-options',
                 '--launcher', '--local-rank', '--auto-scale-lr'):
        assert flag in text
    # `mim train` appends --gpus/--device when the help mentions --gpus.
    assert '--gpus' not in text
