"""Learning curves read from scalar logs, and time to accuracy on
synthetic curves: iterations and seconds of each validation, resumed runs,
'not reached', and the curve plot."""
import json
import os

import pytest

from benchmark_harness.learning_curves import (LearningCurve, mean_curve,
                                               plot_group, read_curve,
                                               summarize_time_to_accuracy,
                                               time_cell, time_to_accuracy)


def write_log(work_dir, stamp, records):
    logs = work_dir / stamp / 'vis_data'
    logs.mkdir(parents=True)
    (logs / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))


def train_records(epochs, seconds=0.1, per_epoch=25, interval=10):
    """MMEngine's training records: every ``interval`` iterations, the
    last ``per_epoch % interval`` of each epoch unlogged."""
    return [dict(loss=1.0, time=seconds, epoch=epoch,
                 step=(epoch - 1) * per_epoch + inner)
            for epoch in epochs
            for inner in range(interval, per_epoch + 1, interval)]


def val(epoch, ap):
    return {'coco/AP': ap, 'PCK': 0.5, 'time': 0.3, 'step': epoch}


def test_validations_fall_at_whole_epochs_of_iterations(tmp_path):
    write_log(tmp_path, '20260101_000000',
              train_records([1, 2, 3]) + [val(3, 0.2)] +
              train_records([4, 5, 6]) + [val(6, 0.4)])
    curve = read_curve(str(tmp_path))
    # 25 iterations per epoch, read from the logs though 5 per epoch are
    # never logged
    assert curve.epochs == [3, 6]
    assert curve.iterations == [75, 150]
    assert curve.total_iterations == 150
    assert curve.seconds == pytest.approx([7.5, 15.0])
    assert curve.total_seconds == pytest.approx(15.0)
    assert curve.metrics['coco/AP'] == [0.2, 0.4]
    assert set(curve.metrics) == {'coco/AP', 'PCK'}  # not the val's time


def test_a_resumed_run_reads_as_one_curve(tmp_path):
    # died in epoch 5 after the epoch-4 checkpoint; resumed from it at a
    # slower step time: the later log replaces the overlap
    write_log(tmp_path, '20260101_000000',
              train_records([1, 2, 3]) + [val(3, 0.2)] +
              train_records([4, 5]))
    write_log(tmp_path, '20260101_000100',
              train_records([5, 6], seconds=0.3) + [val(6, 0.4)])
    curve = read_curve(str(tmp_path))
    assert curve.iterations == [75, 150]
    assert curve.metrics['coco/AP'] == [0.2, 0.4]
    # a record's seconds per iteration stand for the iterations since the
    # record before it: epoch 4's unlogged last 5 go with epoch 5's first
    assert curve.total_seconds == pytest.approx(95 * 0.1 + 55 * 0.3)


def test_a_log_without_validations_is_named(tmp_path):
    write_log(tmp_path, '20260101_000000', train_records([1]))
    with pytest.raises(ValueError, match='0 validation records'):
        read_curve(str(tmp_path))


def curve(aps, per_val=100, seconds_per_iter=0.1):
    iterations = [per_val * (i + 1) for i in range(len(aps))]
    return LearningCurve(
        epochs=[3 * (i + 1) for i in range(len(aps))],
        iterations=iterations,
        seconds=[i * seconds_per_iter for i in iterations],
        metrics={'coco/AP': list(aps)}, total_iterations=iterations[-1],
        total_seconds=iterations[-1] * seconds_per_iter)


def test_time_to_accuracy_reached_and_not_reached():
    alone = curve([0.01, 0.02, 0.03, 0.05])  # final AP 0.05 at 400 iter
    fast = curve([0.02, 0.06, 0.07, 0.09], seconds_per_iter=0.2)
    reached = time_to_accuracy(fast, alone)
    assert reached['reached'] and reached['epoch'] == 6
    assert reached['iterations'] == 200
    assert reached['iterations_ratio'] == pytest.approx(0.5)
    # twice the seconds per iteration: the same iterations take as long
    # as the alone run's whole training
    assert reached['seconds_ratio'] == pytest.approx(1.0)
    # equal to the target counts as reached
    assert time_to_accuracy(curve([0.05]), alone)['iterations_ratio'] == \
        pytest.approx(0.25)
    slow = curve([0.01, 0.02, 0.03, 0.049])
    missed = time_to_accuracy(slow, alone)
    assert missed == dict(reached=False, target=0.05)

    both = summarize_time_to_accuracy({0: reached, 1: time_to_accuracy(
        curve([0.06]), alone)})
    assert both['iterations_ratio'] == pytest.approx((0.5 + 0.25) / 2)
    assert time_cell(both) == '0.38 (0.50, 0.25)'
    partly = summarize_time_to_accuracy({0: reached, 1: missed})
    assert partly['iterations_ratio'] is None and partly['reached'] == 1
    assert time_cell(partly) == '- (0.50, not reached)'
    assert time_cell(None) == '-'


def test_mean_curve_and_the_group_plot(tmp_path):
    seeds = [curve([0.1, 0.2]), curve([0.3, 0.4, 0.5])]
    line = mean_curve(seeds)
    assert line['iterations'] == [100, 200]  # validated by both
    assert line['mean'] == pytest.approx([0.2, 0.3])
    assert line['low'] == [0.1, 0.2] and line['high'] == [0.3, 0.4]
    out = plot_group({'alone': seeds, 'distilled': [curve([0.5, 0.6])]},
                     ['alone'], str(tmp_path / 'curves.png'), 'a group',
                     teacher=0.69)
    assert os.path.getsize(out) > 10_000
