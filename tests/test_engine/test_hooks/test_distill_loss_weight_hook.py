"""DistillLossWeightHook: warm-ups that follow the length of the run."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from torch import nn

import mmpose_kd  # noqa: F401
from benchmark_harness.epoch_budget import epoch_options
from mmpose_kd.engine.hooks import DistillLossWeightHook
from tests.config_runs import CONFIGS_ROOT

OCD = f'{CONFIGS_ROOT}/crd/ocd_reg-res18-w16_synthetic-128x96.py'


class _Hub:
    def update_scalar(self, *args):
        pass


def _ramp_end(hook, max_iters, iters_per_epoch=10):
    """First iteration at which the scheduled weight reaches its base."""
    model = nn.Module()
    model.head = nn.Module()
    model.head.coord_distill = nn.Module()
    model.head.coord_distill.loss_weight = 2.0
    runner = SimpleNamespace(
        model=model, max_iters=max_iters, iter=0, message_hub=_Hub(),
        train_dataloader=[None] * iters_per_epoch)
    hook._base_weights = None
    hook.before_train(runner)
    for iteration in range(max_iters):
        runner.iter = iteration
        hook.before_train_iter(runner, iteration)
        if model.head.coord_distill.loss_weight == 2.0:
            return iteration
    return None


def _ocd_hook(config_options=()):
    cfg = Config.fromfile(OCD)
    for option in config_options:
        key, value = option.split('=')
        if key == 'train_cfg.max_epochs':
            cfg.train_cfg.max_epochs = int(value)
    hook_cfg = dict(cfg.custom_hooks[0])
    hook_cfg.pop('type')
    schedules = {'head.coord_distill':
                 hook_cfg['schedules']['head.coord_distill']}
    return DistillLossWeightHook(schedules=schedules, by_epoch=hook_cfg.get(
        'by_epoch', False), by_fraction=hook_cfg.get('by_fraction', False)), \
        cfg.train_cfg.max_epochs


@pytest.mark.parametrize('epochs', [15, 50, 210])
def test_ocd_warmup_covers_a_fifth_of_any_run(epochs):
    # In fixed epochs (end=10) the ramp covered 67% of a 15-epoch run and
    # 5% of a 210-epoch one.
    hook, max_epochs = _ocd_hook(epoch_options(OCD, epochs))
    assert max_epochs == epochs
    iters_per_epoch = 10
    end = _ramp_end(hook, epochs * iters_per_epoch, iters_per_epoch)
    assert end == round(0.2 * epochs * iters_per_epoch)


def test_fraction_schedule_stretches_with_max_iters():
    hook = DistillLossWeightHook(
        {'head.coord_distill': dict(type='linear', start_factor=0.0,
                                    end=0.25)}, by_fraction=True)
    assert _ramp_end(hook, 100) == 25
    assert _ramp_end(hook, 1000) == 250


def test_fraction_schedule_arguments_validated():
    with pytest.raises(ValueError, match=r'fractions of the run.*\[10\]'):
        DistillLossWeightHook({'head.coord_distill': dict(
            type='linear', end=10)}, by_fraction=True)
    with pytest.raises(ValueError, match='cannot both be True'):
        DistillLossWeightHook({'head.coord_distill': dict(
            type='linear', end=0.2)}, by_fraction=True, by_epoch=True)


DWPOSE_PAIR = (f'{CONFIGS_ROOT}/benchmark/kd-dwpose-losses_simcc-res18-w32_'
               'simcc-res18-w16_synthetic-128x96.py')


def _weights_per_iter(hook, epochs, iters_per_epoch):
    model = nn.Module()
    model.loss = nn.Module()
    model.loss.loss_weight = 2.0
    runner = SimpleNamespace(
        model=model, max_iters=epochs * iters_per_epoch, iter=0, epoch=0,
        message_hub=_Hub(), train_dataloader=[None] * iters_per_epoch,
        train_loop=SimpleNamespace(max_epochs=epochs))
    hook.before_train(runner)
    weights = []
    for iteration in range(epochs * iters_per_epoch):
        runner.iter, runner.epoch = iteration, iteration // iters_per_epoch
        hook.before_train_iter(runner, iteration % iters_per_epoch)
        weights.append(model.loss.loss_weight)
    return weights


@pytest.mark.parametrize('epochs', [1, 3])
def test_per_epoch_linear_decay_is_dwposes_one_minus_epoch_over_epochs(
        epochs):
    # Per iteration, a one-epoch run decayed to ~0 within its only epoch;
    # DWPoseDistiller keeps (1 - 0 / 1) = full weight through it.
    hook = DistillLossWeightHook(
        {'loss': dict(type='linear', start_factor=1.0, end_factor=0.0)},
        by_epoch=True, per_epoch=True)
    weights = _weights_per_iter(hook, epochs, 4)
    expected = [2.0 * (1 - (i // 4) / epochs) for i in range(epochs * 4)]
    assert weights == pytest.approx(expected)


def test_per_epoch_needs_an_epoch_loop():
    hook = DistillLossWeightHook({'loss': dict(type='constant')},
                                 per_epoch=True)
    model = nn.Module()
    model.loss = nn.Module()
    model.loss.loss_weight = 1.0
    runner = SimpleNamespace(model=model, train_dataloader=[None],
                             train_loop=SimpleNamespace(max_iters=10))
    with pytest.raises(ValueError, match='per_epoch=True.*epoch-based'):
        hook.before_train(runner)


def test_the_dwpose_losses_recipe_decays_per_epoch_like_dwpose():
    cfg = Config.fromfile(DWPOSE_PAIR)
    hook = next(h for h in cfg.custom_hooks
                if h['type'].endswith('DistillLossWeightHook'))
    assert hook.get('by_epoch') and hook.get('per_epoch')
