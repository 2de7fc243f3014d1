"""The shipped weights keep every distillation term's pull on the student
near the 0.3x-3x band of the task loss's (docs/ikd.md, docs/crd.md "Loss
balance").

Each representative recipe trains as shipped (model, losses, weight
schedules, the shipped quick-start teacher) on coco_tiny for a short run
(tests/config_runs.py); ``mmpose_kd.analysis.loss_balance.measure`` takes the
gradient norms at its first and last iteration. Terms that reach only the
backbone are judged on the backbone. The docs' figures come from the
default data at batch 16; coco_tiny (batch 4, real photos the teacher never
saw) moved every ratio by up to 4x from them (feature on the backbone 0.11
against 0.40-0.78, skeleton 3.1 / 3.8 against 2.2 / 1.1, keypoint relation
on the backbone 0.25 against 0.12), so the band is widened by that factor
here: [0.075, 12] at the last iteration, after every warm-up (fractions of
the run) has ended, and at most 12 at the first (a term in a warm-up reads
0 there). Before the balance the structure terms pulled 100x-150x at the
first iteration. The ablation configs that scale these weights on purpose
are checked against their factor instead.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmpose_kd  # noqa: F401
from mmpose_kd.analysis.loss_balance import BALANCE_BAND, measure, ratios
from tests.config_runs import CONFIGS_ROOT, REPO_ROOT, coco_tiny_config

TEACHER = osp.join(REPO_ROOT, 'checkpoints', 'quickstart_teacher_fp16.pth')
IKD_PAIR = 'hm-res18-w32_hm-res18-w18_synthetic-128x96.py'
TCD_PAIR = 'hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
REPRESENTATIVE = (
    f'quickstart/tcd_{TCD_PAIR}',  # coordinate + rendered heatmap
    f'ikd/ikd-integral_{IKD_PAIR}',  # logit + feature + keypoint relation
    f'ikd/ikd-skeleton_{IKD_PAIR}',  # skeleton, the 57x / 377x
)
# 7 epochs of 3 iterations (batch 4): the 20% warm-ups end at iteration 4.
EPOCHS = 7
# How far coco_tiny moved the ratios from the default data's (docstring).
TOLERANCE = 4.0


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize('config', REPRESENTATIVE)
def test_shipped_weights_balance_every_term(config, coco_tiny_dir, tmp_path):
    cfg = coco_tiny_config(config, coco_tiny_dir, str(tmp_path),
                           max_epochs=EPOCHS)
    cfg.model.teacher_ckpt = TEACHER
    torch.manual_seed(0)
    rows = [r for r in ratios(measure(cfg, iters=3 * EPOCHS)) if r['judged']]
    low, high = BALANCE_BAND[0] / TOLERANCE, BALANCE_BAND[1] * TOLERANCE
    start = {(r['term'], r['group']): round(r['ratio'], 3) for r in rows
             if r['stage'] == 'start'}
    end = {(r['term'], r['group']): round(r['ratio'], 3) for r in rows
           if r['stage'] == 'end'}
    assert start and set(end) == set(start)
    assert {k: v for k, v in start.items() if v > high} == {}
    assert {k: v for k, v in end.items() if not low <= v <= high} == {}


def _weights(config, path):
    cfg = Config.fromfile(osp.join(CONFIGS_ROOT, config))
    node = cfg.model
    for key in path:
        node = node[key]
    return {name: loss.loss_weight for name, loss in node.items()
            if loss is not None and 'loss_weight' in loss}


@pytest.mark.parametrize('ablation,recipe,path,factor', [
    (f'crd/tcd-lw0.5_{TCD_PAIR}', f'quickstart/tcd_{TCD_PAIR}',
     ('distill_losses', ), 0.5),
    (f'crd/tcd-lw2_{TCD_PAIR}', f'quickstart/tcd_{TCD_PAIR}',
     ('distill_losses', ), 2.0),
    ('crd/ocd-lw0.5_reg-res18-w16_synthetic-128x96.py',
     'crd/ocd_reg-res18-w16_synthetic-128x96.py', ('head', ), 0.5),
    ('crd/ocd-lw2_reg-res18-w16_synthetic-128x96.py',
     'crd/ocd_reg-res18-w16_synthetic-128x96.py', ('head', ), 2.0),
    (f'ikd/ikd-integral-x10_{IKD_PAIR}', f'ikd/ikd-integral_{IKD_PAIR}',
     ('distill_losses', ), 10.0),
])
def test_weight_ablations_scale_the_balanced_weights(ablation, recipe, path,
                                                     factor):
    balanced = _weights(recipe, path)
    assert balanced
    assert _weights(ablation, path) == pytest.approx(
        {name: factor * w for name, w in balanced.items()})
