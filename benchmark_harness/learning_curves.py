"""Learning curves of finished runs, read from their scalar logs, and the
time a distilled student takes to reach its student-alone's accuracy.

MMEngine logs a training record every few iterations (``step`` = the
iteration, ``epoch``, ``time`` = seconds per iteration, data loading
included) and a validation record per validation (``step`` = the epoch).
A validation's iteration is its epoch times the iterations per epoch, read
from the logs as the step between the last records of two consecutive
epochs (every epoch ends with the same unlogged remainder); its training
seconds are the logged seconds per iteration summed up to there
(validation and start-up left out, the same for both runs of a pair). A
resumed run's later logs replace the earlier ones' overlapping records.
"""
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from mmpose_kd.utils.scalar_logs import read_records, scalars_files
from mmpose_kd.visualization.training_curves import METRIC_PREFIXES

#: The metric time to accuracy is measured in.
METRIC = 'coco/AP'


@dataclass
class LearningCurve:
    """A run's validations in order, with where they fell in training.

    Attributes:
        epochs (list[int]): Epoch of each validation.
        iterations (list[int]): Iterations trained before each.
        seconds (list[float]): Training seconds before each.
        metrics (dict[str, list[float]]): Each metric at each validation.
        total_iterations (int): Iterations of the whole run.
        total_seconds (float): Training seconds of the whole run.
    """
    epochs: List[int]
    iterations: List[int]
    seconds: List[float]
    metrics: Dict[str, List[float]] = field(default_factory=dict)
    total_iterations: int = 0
    total_seconds: float = 0.0


def iterations_per_epoch(last_step: Dict[int, int]) -> int:
    """Iterations per epoch from the last logged step of each epoch: the
    most common step between consecutive epochs (one epoch: its last
    logged step, which may miss its unlogged remainder)."""
    epochs = sorted(last_step)
    steps = Counter(last_step[b] - last_step[a]
                    for a, b in zip(epochs, epochs[1:]) if b == a + 1)
    if steps:
        return steps.most_common(1)[0][0]
    return last_step[epochs[0]] // epochs[0]


def read_curve(work_dir: str) -> LearningCurve:
    """The validations of ``work_dir``'s run (all its starts) with the
    iterations and training seconds before each."""
    train, val = {}, {}
    for path in scalars_files(work_dir):
        for record in read_records(path):
            if METRIC in record:
                val[record['step']] = record
            elif 'time' in record and 'epoch' in record:
                train[record['step']] = record
    if not train or not val:
        raise ValueError(f'{work_dir}: its scalar logs hold '
                         f'{len(train)} training and {len(val)} validation '
                         'records; a learning curve needs both.')
    last_step = {}
    for step, record in train.items():
        last_step[record['epoch']] = max(step, last_step.get(record['epoch'],
                                                             0))
    per_epoch = iterations_per_epoch(last_step)
    epochs = sorted(val)
    iterations = [epoch * per_epoch for epoch in epochs]
    total = max(last_step) * per_epoch
    seconds = training_seconds(train, iterations + [total])
    metrics = {}
    for epoch in epochs:
        for key, value in val[epoch].items():
            if key.startswith(METRIC_PREFIXES):
                metrics.setdefault(key, []).append(value)
    return LearningCurve(epochs, iterations, seconds[:-1], metrics, total,
                         seconds[-1])


def training_seconds(train: Dict[int, dict],
                     iterations: Sequence[int]) -> List[float]:
    """Logged seconds per iteration summed up to each of ``iterations``;
    each record's time stands for the iterations since the previous one,
    the last one's for any after it."""
    steps = sorted(train)
    out = []
    for target in iterations:
        total, previous = 0.0, 0
        for step in steps:
            total += train[step]['time'] * (min(step, target) - previous)
            previous = min(step, target)
            if step >= target:
                break
        total += train[steps[-1]]['time'] * max(0, target - previous)
        out.append(total)
    return out


def time_to_accuracy(curve: LearningCurve, alone: LearningCurve,
                     metric: str = METRIC) -> dict:
    """When ``curve`` first reaches ``alone``'s final ``metric``: its
    epoch, iterations and training seconds, and their ratios to the alone
    run's totals; ``reached=False`` when it never does."""
    target = alone.metrics[metric][-1]
    for index, value in enumerate(curve.metrics.get(metric, [])):
        if value >= target:
            return dict(
                reached=True, target=target, epoch=curve.epochs[index],
                iterations=curve.iterations[index],
                seconds=curve.seconds[index],
                iterations_ratio=curve.iterations[index] /
                alone.total_iterations,
                seconds_ratio=curve.seconds[index] / alone.total_seconds
                if alone.total_seconds else None)
    return dict(reached=False, target=target)


def summarize_time_to_accuracy(per_seed: Dict[int, dict]) -> dict:
    """Per-seed times to accuracy and their mean ratios (None unless every
    seed reached it)."""
    reached = [t for t in per_seed.values() if t['reached']]
    every = bool(per_seed) and len(reached) == len(per_seed)

    def mean(key):
        values = [t[key] for t in reached if t.get(key) is not None]
        return statistics.mean(values) if every and values else None

    return dict(per_seed=per_seed, reached=len(reached), seeds=len(per_seed),
                iterations_ratio=mean('iterations_ratio'),
                seconds_ratio=mean('seconds_ratio'))


def time_cell(summary: Optional[dict]) -> str:
    """``0.25 (0.22, 0.25, 0.28)``: the mean iterations ratio and each
    seed's, ``not reached`` for a seed that never got there."""
    if not summary or not summary['per_seed']:
        return '-'
    seeds = ', '.join(f'{t["iterations_ratio"]:.2f}' if t['reached']
                      else 'not reached'
                      for _, t in sorted(summary['per_seed'].items()))
    mean = summary['iterations_ratio']
    return f'{"-" if mean is None else f"{mean:.2f}"} ({seeds})'


def mean_curve(curves: Sequence[LearningCurve],
               metric: str = METRIC) -> Dict[str, List[float]]:
    """The mean, lowest and highest ``metric`` over ``curves`` at the
    iterations all of them validated at."""
    shared = sorted(set.intersection(*(set(c.iterations) for c in curves)))
    values = [[c.metrics[metric][c.iterations.index(i)] for c in curves]
              for i in shared]
    return dict(iterations=shared,
                mean=[statistics.mean(v) for v in values],
                low=[min(v) for v in values], high=[max(v) for v in values])


def plot_group(curves: Dict[str, Sequence[LearningCurve]],
               baselines: Sequence[str], out_file: str, title: str,
               teacher: Optional[float] = None,
               metric: str = METRIC) -> str:
    """One plot of ``metric`` against iterations: per method (label ->
    its seeds' curves) the mean over seeds with the seeds' range shaded,
    the students alone (``baselines``) dashed, the teacher as a line."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, runs in curves.items():
        if not runs:
            continue
        line = mean_curve(runs, metric)
        drawn, = ax.plot(line['iterations'], line['mean'], marker='o',
                         ms=3, label=f'{label} ({len(runs)} seeds)',
                         ls='--' if label in baselines else '-')
        ax.fill_between(line['iterations'], line['low'], line['high'],
                        color=drawn.get_color(), alpha=0.15)
    if teacher is not None:
        ax.axhline(teacher, ls=':', c='gray', lw=1, label='teacher')
    ax.set_xlabel('iteration')
    ax.set_ylabel(metric)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_file, dpi=110)
    plt.close(fig)
    return out_file
