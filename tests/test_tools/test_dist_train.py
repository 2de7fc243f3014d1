"""``tools/dist_train.sh``: two CPU processes under torchrun with gloo.

CUDA is hidden from the run, so this checks the CPU path on any machine:
the launcher switches nccl to gloo, the CPU DDP shim drops CUDA device ids,
and the dataset is split across the two ranks.
"""
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from mmpose_kd.utils import safe_load_checkpoint
from tests.test_tools.tool_runs import (REPO_ROOT, TINY_CONFIG, free_port,
                                        logged_aps, run_checked, tool_env)

pytestmark = pytest.mark.slow


def test_two_process_cpu_training(tmp_path, coco_tiny_cfg_options):
    work_dir = str(tmp_path / 'work_dir')
    output = run_checked([
        'bash',
        osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), TINY_CONFIG, '2',
        '--work-dir', work_dir, '--cfg-options', *coco_tiny_cfg_options
    ],
                         cwd=str(tmp_path),
                         env=tool_env(
                             PYTHON=sys.executable,
                             PORT=str(free_port()),
                             CUDA_VISIBLE_DEVICES='',
                             OMP_NUM_THREADS='1'))
    dumped = Config.fromfile(
        osp.join(work_dir, osp.basename(TINY_CONFIG)))
    assert dumped.launcher == 'pytorch'
    assert dumped.env_cfg.dist_cfg.backend == 'gloo'  # config asked for nccl
    assert 'Distributed training: True' in output
    # 12 training instances over 2 ranks at batch 4: 2 iterations, not 3
    assert 'Epoch(train) [1][2/2]' in output
    assert 'Epoch(train) [1][3/3]' not in output
    checkpoint = safe_load_checkpoint(osp.join(work_dir, 'epoch_1.pth'))
    assert checkpoint['meta']['iter'] == 2
    # no DDP 'module.' prefix leaks into the saved weights
    assert all(not k.startswith('module.') for k in checkpoint['state_dict'])
    aps = logged_aps(output)  # rank 0 logs the gathered CocoMetric once
    assert len(aps) == 1 and 0.0 <= aps[0] <= 1.0

    # tools/dist_test.sh (the same launcher) evaluates that checkpoint on
    # two ranks and gathers one metric
    test_output = run_checked([
        'bash',
        osp.join(REPO_ROOT, 'tools', 'dist_test.sh'), TINY_CONFIG,
        osp.join(work_dir, 'epoch_1.pth'), '2', '--work-dir',
        str(tmp_path / 'test_dir'), '--cfg-options', *coco_tiny_cfg_options
    ],
                              cwd=str(tmp_path),
                              env=tool_env(
                                  PYTHON=sys.executable,
                                  PORT=str(free_port()),
                                  CUDA_VISIBLE_DEVICES='',
                                  OMP_NUM_THREADS='1'))
    assert 'Distributed training: True' in test_output
    assert logged_aps(test_output) == pytest.approx(aps)
