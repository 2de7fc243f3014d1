"""``tools/test.py`` flags: checkpoint, work dir, dump, launcher, metrics."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmengine.config import Config

from mmpose_kd.cli.test import (build_test_config, format_metrics,
                                 merge_test_args, parse_test_args)

TINY_CONFIG = osp.join(
    osp.dirname(osp.dirname(__file__)), 'data', 'configs',
    'tiny_topdown_res18_coco_tiny.py')


@pytest.fixture(autouse=True)
def restore_local_rank(monkeypatch):
    """Parsing exports LOCAL_RANK; keep it from leaking into other tests."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.delenv('LOCAL_RANK')


def eval_cfg(*flags):
    return build_test_config(
        parse_test_args([TINY_CONFIG, 'ckpt/epoch_1.pth', *flags]))


def test_checkpoint_becomes_load_from_and_work_dir_defaults():
    cfg = eval_cfg()
    assert cfg.load_from == 'ckpt/epoch_1.pth'
    assert cfg.resume is False
    assert cfg.work_dir == osp.join('work_dirs',
                                    'tiny_topdown_res18_coco_tiny')
    assert cfg.launcher == 'none'


def test_work_dir_and_cfg_options(tmp_path):
    cfg = eval_cfg('--work-dir', str(tmp_path), '--cfg-options',
                   'test_dataloader.batch_size=2',
                   'test_evaluator.score_mode=keypoint')
    assert cfg.work_dir == str(tmp_path)
    assert cfg.test_dataloader.batch_size == 2
    assert cfg.test_evaluator.score_mode == 'keypoint'
    assert cfg.test_evaluator.type == 'CocoMetric'


def test_dump_appends_dump_results_metric(tmp_path):
    out = str(tmp_path / 'preds.pkl')
    cfg = eval_cfg('--dump', out, '--cfg-options',
                   'test_evaluator.ann_file=elsewhere.json')
    assert cfg.test_evaluator[0]['ann_file'] == 'elsewhere.json'
    assert [m['type'] for m in cfg.test_evaluator] == [
        'CocoMetric', 'DumpResults'
    ]
    assert cfg.test_evaluator[1]['out_file_path'] == out


def test_dump_must_be_a_pickle_file(capsys):
    with pytest.raises(SystemExit) as error:
        parse_test_args([TINY_CONFIG, 'ckpt.pth', '--dump', 'preds.json'])
    assert error.value.code == 2
    assert "--dump must name a .pkl/.pickle file, got 'preds.json'" in (
        capsys.readouterr().err)


def test_distributed_test_without_cuda_uses_gloo(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = eval_cfg('--launcher', 'pytorch')
    assert cfg.launcher == 'pytorch'
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


def test_metrics_print_as_plain_json():
    text = format_metrics({'coco/AP': np.float64(0.25), 'coco/AR': 0.5})
    assert json.loads(text) == {'coco/AP': 0.25, 'coco/AR': 0.5}


def test_show_dir_turns_on_mmposes_visualization_hook():
    cfg = eval_cfg('--show-dir', 'vis', '--interval', '3')
    hook = cfg.default_hooks.visualization
    assert hook.type == 'PoseVisualizationHook'
    assert (hook.enable, hook.out_dir, hook.show, hook.interval) == (
        True, 'vis', False, 3)
    assert 'wait_time' not in hook  # only set with --show, as in MMPose


def test_show_sets_wait_time_and_no_flag_leaves_the_hook_off():
    hook = eval_cfg('--show', '--wait-time', '0.5').default_hooks.visualization
    assert (hook.enable, hook.show, hook.wait_time, hook.interval) == (
        True, True, 0.5, 1)
    assert eval_cfg().default_hooks.visualization.enable is False


def test_show_dir_needs_the_hook_in_the_config():
    args = parse_test_args([TINY_CONFIG, 'ckpt.pth', '--show-dir', 'vis'])
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.default_hooks.pop('visualization')
    with pytest.raises(ValueError, match='default_hooks.visualization'):
        merge_test_args(cfg, args)
