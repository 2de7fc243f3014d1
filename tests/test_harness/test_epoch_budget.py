"""Other epoch budgets stretch the learning-rate schedule with them."""
import argparse
import os.path as osp

import pytest
import torch
from mmengine.config import Config, DictAction
from mmengine.optim.scheduler import CosineAnnealingLR

from benchmark_harness.epoch_budget import epoch_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEACHER = osp.join(REPO, 'configs', 'quickstart',
                   'td-hm_res18-w32_synthetic-128x96.py')


def lr_after(cfg: Config, epochs: int) -> float:
    """Learning rate after ``epochs`` epochs of the config's cosine."""
    cosine = dict(cfg.param_scheduler[1])
    for key in ('type', 'convert_to_iter_based'):
        cosine.pop(key)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)],
                                lr=cfg.optim_wrapper.optimizer.lr)
    scheduler = CosineAnnealingLR(optimizer, **cosine)
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
    return optimizer.param_groups[0]['lr']


def merged(options):
    """The config as tools/train.py sees it with ``--cfg-options``."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(TEACHER)
    cfg.merge_from_dict(parser.parse_args(
        ['--cfg-options', *options]).cfg_options)
    return cfg


def test_a_shorter_run_anneals_fully():
    options = epoch_options(TEACHER, 8)
    assert options == ['train_cfg.max_epochs=8', 'train_cfg.val_interval=8',
                       'param_scheduler.1.end=8', 'param_scheduler.1.T_max=8']
    stretched = merged(options)
    assert stretched.train_cfg.max_epochs == 8
    # the last epoch runs at the cosine's last step: 4% of the peak
    assert lr_after(stretched, 7) < 0.05 * 2e-3
    # max_epochs alone (8 of the recipe's 24) would end at 80% of the peak
    assert lr_after(merged(options[:2]), 7) > 0.75 * 2e-3
    # the iteration-based warm-up keeps its length
    assert stretched.param_scheduler[0].end == 20


def test_a_single_scheduler_dict_and_bad_budgets(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text(
        'train_cfg = dict(by_epoch=True, max_epochs=10)\n'
        'param_scheduler = dict(type="CosineAnnealingLR", T_max=8, '
        'begin=2, end=10, by_epoch=True)\n')
    assert epoch_options(str(config), 4)[2:] == [
        'param_scheduler.end=4', 'param_scheduler.T_max=2']
    with pytest.raises(ValueError, match='begins at epoch 2'):
        epoch_options(str(config), 2)
    with pytest.raises(ValueError, match='positive integer'):
        epoch_options(str(config), 0)
