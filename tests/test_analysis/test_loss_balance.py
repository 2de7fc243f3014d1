"""tools/analysis/loss_balance.py: per-term gradient ratios from real steps."""
import pytest
import torch
from mmengine.config import Config

import mmpose_kd  # noqa: F401
from mmpose_kd.analysis.loss_balance import format_table, measure, ratios
from tests.tiny_models import HEATMAP_CODEC, coco_tiny_runner_cfg, \
    heatmap_model


def _cfg(coco_tiny_dir, work_dir, logit_weight):
    model = dict(
        type='mmpose_kd.PoseDistiller',
        student=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher=heatmap_model(base_channels=16, deconv=(32, 32)),
        teacher_ckpt=None,
        distill_losses=dict(
            loss_logit=dict(type='mmpose_kd.HeatmapLogitDistillLoss',
                            loss_weight=logit_weight),
            loss_feat=dict(
                type='mmpose_kd.FeatureDistillLoss', student_input='backbone',
                teacher_input='backbone',
                connector=dict(type='mmpose_kd.ConvBNConnector',
                               in_channels=64, out_channels=128))))
    return Config(coco_tiny_runner_cfg(model, HEATMAP_CODEC, coco_tiny_dir,
                                       str(work_dir), max_epochs=5))


def test_ratios_at_start_and_end_scale_with_the_weight(coco_tiny_dir,
                                                       tmp_path):
    torch.manual_seed(0)
    results = measure(_cfg(coco_tiny_dir, tmp_path / 'a', 1.0), iters=3)
    assert set(results) == {'start', 'end'}
    assert results['start']['iter'] == 1 and results['end']['iter'] == 3
    rows = ratios(results)
    terms = {(r['stage'], r['term'], r['group']) for r in rows}
    assert ('start', 'distill.loss_logit', 'backbone') in terms
    assert ('end', 'distill.loss_feat', 'student') in terms
    for row in rows:
        assert math_ok(row['ratio']) and row['task_norm'] > 0
        # the backbone's gradient is part of the whole student's
        assert row['norm'] >= 0
    start = {(r['term'], r['group']): r for r in rows
             if r['stage'] == 'start'}
    assert start[('distill.loss_logit', 'backbone')]['norm'] <= \
        start[('distill.loss_logit', 'student')]['norm'] + 1e-12
    # Same seed, same first batch: ten times the weight, ten times the ratio.
    torch.manual_seed(0)
    heavier = ratios(measure(_cfg(coco_tiny_dir, tmp_path / 'b', 10.0), 1))
    logit = [r for r in heavier if r['term'] == 'distill.loss_logit'
             and r['group'] == 'student'][0]
    assert logit['ratio'] == pytest.approx(
        10 * start[('distill.loss_logit', 'student')]['ratio'], rel=1e-3)
    assert 'distill.loss_logit' in format_table(rows)


def math_ok(value):
    return value == value and value != float('inf')


def test_iters_validated(coco_tiny_dir, tmp_path):
    with pytest.raises(ValueError, match='`iters` must be an int >= 1'):
        measure(_cfg(coco_tiny_dir, tmp_path, 1.0), iters=0)


def test_backbone_only_terms_are_judged_on_the_backbone():
    results = {'start': {'iter': 1, 'norms': {
        'task': {'student': 1.0, 'backbone': 0.01},
        'distill.loss_feat': {'student': 0.02, 'backbone': 0.02},
        'distill.loss_logit': {'student': 0.5, 'backbone': 0.004}}}}
    rows = {(r['term'], r['group']): r for r in ratios(results)}
    assert not rows[('distill.loss_feat', 'student')]['judged']
    assert rows[('distill.loss_feat', 'backbone')]['judged']
    assert rows[('distill.loss_feat', 'backbone')]['ratio'] == \
        pytest.approx(2.0)
    assert all(rows[('distill.loss_logit', g)]['judged']
               for g in ('student', 'backbone'))
    table = format_table(list(rows.values()))
    assert '0.02 (backbone-only term: judged on backbone)' in table
    assert '| 0.40 |' in table and '(outside' not in table


def test_no_schedules_measures_a_warmed_up_term_at_full_weight(
        coco_tiny_dir, tmp_path):
    cfg = _cfg(coco_tiny_dir, tmp_path / 'a', 1.0)
    cfg.custom_hooks = [dict(
        type='mmpose_kd.DistillLossWeightHook', by_fraction=True,
        schedules={'distill_losses.loss_logit': dict(
            type='linear', start_factor=0.0, end_factor=1.0, end=0.5)})]
    torch.manual_seed(0)
    warm = ratios(measure(cfg, iters=1))
    torch.manual_seed(0)
    full = ratios(measure(cfg, iters=1, schedules=False))

    def logit(rows):
        return [r for r in rows if r['term'] == 'distill.loss_logit'
                and r['group'] == 'student'][0]

    assert logit(warm)['norm'] == 0.0
    assert '(off: weight 0, e.g. in a warm-up)' in format_table(warm)
    assert logit(full)['norm'] > 0
