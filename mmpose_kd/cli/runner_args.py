"""Command-line arguments shared by ``tools/train.py`` and ``tools/test.py``.

Both tools load a config, apply a few CLI flags to it and hand it to MMEngine's
``Runner``. The flags that mean the same in both (work directory, launcher,
local rank, ``--cfg-options``) and the CPU adjustments they need live here so
the two stay consistent. Nothing here builds a model or reads a checkpoint.
"""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
WORK_DIRS_ROOT = 'work_dirs'
# Backends that need a CUDA device; replaced by gloo on a machine without one.
CUDA_ONLY_BACKENDS = ('nccl', )


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add --work-dir, --cfg-options, --launcher and --local-rank."""
    parser.add_argument(
        '--work-dir',
        help='directory for logs and checkpoints; defaults to the config\'s '
        f'work_dir, else {WORK_DIRS_ROOT}/<config basename>')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys with key=value pairs, applied after the '
        'other flags, e.g. train_cfg.max_epochs=1 '
        'model.backbone.depth=18 or key="[a,b]" for lists')
    parser.add_argument(
        '--launcher',
        choices=LAUNCHERS,
        default='none',
        help='job launcher; without CUDA the process group uses gloo')
    # torch.distributed.launch passes --local-rank (torch>=2) or --local_rank;
    # torchrun sets only the LOCAL_RANK environment variable.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def export_local_rank(args: argparse.Namespace) -> None:
    """Expose ``--local-rank`` as ``LOCAL_RANK`` unless a launcher set it."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))


def default_work_dir(config_path: str) -> str:
    """Return ``work_dirs/<config file name without extension>``."""
    return osp.join(WORK_DIRS_ROOT,
                    osp.splitext(osp.basename(config_path))[0])


def apply_work_dir(cfg: Config, work_dir: Optional[str],
                   config_path: str) -> None:
    """Set ``cfg.work_dir``: the CLI value, else the config's, else default."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(config_path)


def apply_launcher(cfg: Config, launcher: str) -> None:
    """Set ``cfg.launcher`` and pick a process-group backend that can work.

    MMPose configs ask for ``nccl``, which needs CUDA. When a distributed
    launcher is used on a machine without CUDA, the backend becomes ``gloo``
    (the CPU DDP shim in :mod:`mmpose_kd.compat` handles the device ids).
    """
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict()
    backend = cfg.env_cfg.dist_cfg.get('backend')
    if backend is None or backend in CUDA_ONLY_BACKENDS:
        cfg.env_cfg.dist_cfg.backend = 'gloo'
        print_log(
            f'CUDA is not available: distributed backend {backend!r} '
            'replaced by \'gloo\'.',
            logger='current')


def apply_cfg_options(cfg: Config, cfg_options: Optional[dict]) -> None:
    """Merge ``--cfg-options`` into the config (last, so they win)."""
    if cfg_options:
        cfg.merge_from_dict(cfg_options)


def enable_visualization(cfg: Config,
                         show_dir: Optional[str],
                         show: bool = False,
                         wait_time: Optional[float] = None,
                         interval: Optional[int] = None) -> None:
    """Turn on MMPose's ``PoseVisualizationHook`` (``default_hooks``).

    Args:
        cfg (Config): Changed in place.
        show_dir (str, optional): Where the hook writes its pictures; MMPose
            puts a relative one under ``work_dir/<timestamp>/``.
        show (bool): Display each picture in a window.
        wait_time (float, optional): Seconds each displayed picture stays.
        interval (int, optional): Draw every ``interval``-th sample.
    """
    hooks = cfg.get('default_hooks') or {}
    if 'visualization' not in hooks:
        raise ValueError(
            '--show/--show-dir need `default_hooks.visualization` in the '
            'config, e.g. visualization=dict(type="PoseVisualizationHook")')
    hook = hooks['visualization']
    hook['enable'] = True
    hook['show'] = show
    if show_dir is not None:
        hook['out_dir'] = show_dir
    if show and wait_time is not None:
        hook['wait_time'] = wait_time
    if interval is not None:
        hook['interval'] = interval
