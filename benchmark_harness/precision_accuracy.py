"""Does bfloat16 + channels-last training change accuracy? Paired seeds.

The main job's two recipes (the regression student alone, and TCD + feature
KD) are trained with ``tools/train.py`` in float32 and with ``--amp
--channels-last`` (bfloat16 on this CPU) from the same seed, so each pair
starts from the same weights and sees the same data order. The report gives,
per recipe and metric, the mean of the per-seed differences (bf16 - fp32)
with its 95% Student-t interval, and each pair's training-time ratio.

``python tools/analysis/precision_accuracy.py [--seeds 0 1 2] [--epochs 3]
[--reuse]``: ``--reuse`` keeps every finished run (a rerun resumes).
"""
import argparse
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .benchmark_report import paired_gain
from .benchmark_steps import machine
from .epoch_budget import epoch_options
from .quickstart import (DISTILLED, METRICS, QUICKSTART, STUDENT,
                         last_metrics, train)
from .result_files import write_result_files
from .shipped_teacher import SHIPPED_TEACHER, verified_teacher

RECIPES = (('student alone', STUDENT), ('TCD + feature KD', DISTILLED))
#: Precision modes: name -> tools/train.py flags.
MODES = {'fp32': [], 'bf16-cl': ['--amp', '--channels-last']}
REFERENCE, CANDIDATE = 'fp32', 'bf16-cl'


def run_one(config: str, work_dir: str, seed: int, epochs: int,
            flags: Sequence[str], teacher_ckpt: str, reuse: bool) -> dict:
    """Train one run (or read a finished one with ``reuse``)."""
    metrics_file = osp.join(work_dir, 'precision_run.json')
    if reuse and osp.isfile(metrics_file):
        with open(metrics_file) as f:
            return json.load(f)
    options = [f'randomness.seed={seed}'] + epoch_options(config, epochs)
    if config.endswith(DISTILLED):
        options.append(f'model.teacher_ckpt={teacher_ckpt}')
    seconds = train(config, work_dir, options, flags=flags)
    row = dict(seconds=seconds, **last_metrics(work_dir))
    os.makedirs(work_dir, exist_ok=True)
    with open(metrics_file, 'w') as f:
        json.dump(row, f)
    return row


def run(work_root: str, seeds: Sequence[int], epochs: int,
        reuse: bool) -> Dict[str, Dict[str, Dict[int, dict]]]:
    """``recipe -> mode -> seed -> metrics`` (with ``seconds``)."""
    teacher_ckpt = verified_teacher(osp.join(REPO_ROOT, SHIPPED_TEACHER))
    results = {name: {mode: {} for mode in MODES} for name, _ in RECIPES}
    for seed in seeds:
        for name, config_name in RECIPES:
            config = osp.join(REPO_ROOT, QUICKSTART, config_name)
            for mode, flags in MODES.items():
                work_dir = osp.join(work_root, f'{config_name[:-3]}',
                                    f'{mode}_seed{seed}')
                print(f'[{name}, {mode}, seed {seed}]', flush=True)
                row = run_one(config, work_dir, seed, epochs, flags,
                              teacher_ckpt, reuse)
                results[name][mode][seed] = row
                print(f'    coco/AP {row["coco/AP"]:.4f}, PCK '
                      f'{row.get("PCK", float("nan")):.4f}, '
                      f'{row["seconds"]:.0f} s', flush=True)
    return results


def summarize(results) -> List[dict]:
    """Per recipe and metric: means per mode, paired bf16 - fp32 with its
    interval; per recipe the paired training-time ratio."""
    rows = []
    for name, modes in results.items():
        ref, cand = modes[REFERENCE], modes[CANDIDATE]
        seeds = sorted(set(ref) & set(cand))
        for metric in METRICS + ('seconds', ):
            gain = paired_gain([cand[s][metric] for s in seeds], seeds,
                               [ref[s][metric] for s in seeds], seeds)
            rows.append(dict(
                recipe=name, metric=metric, seeds=seeds,
                reference=statistics.mean(ref[s][metric] for s in seeds),
                candidate=statistics.mean(cand[s][metric] for s in seeds),
                difference=gain,
                time_ratios=[ref[s]['seconds'] / cand[s]['seconds']
                             for s in seeds] if metric == 'seconds'
                else None))
    return rows


def format_report(rows: List[dict], epochs: int) -> str:
    def interval(gain):
        if gain is None:
            return '-'
        zero = 'includes 0' if gain['low'] <= 0 <= gain['high'] \
            else 'EXCLUDES 0'
        return (f'{gain["mean"]:+.4f} [{gain["low"]:+.4f}, '
                f'{gain["high"]:+.4f}] ({zero})')

    lines = [f'{epochs} epochs per run, seeds '
             f'{rows[0]["seeds"] if rows else []}, {machine()}', '']
    lines += markdown_table(
        ('recipe', 'metric', REFERENCE, CANDIDATE,
         f'{CANDIDATE} - {REFERENCE}, 95% interval'),
        ((row['recipe'], row['metric'], f'{row["reference"]:.4f}',
          f'{row["candidate"]:.4f}', interval(row['difference']))
         for row in rows if row['metric'] != 'seconds'))
    lines += ['']
    for row in rows:
        if row['metric'] == 'seconds':
            ratios = ', '.join(f'{r:.2f}x' for r in row['time_ratios'])
            lines.append(f'{row["recipe"]}: training time {REFERENCE} '
                         f'{row["reference"]:.0f} s, {CANDIDATE} '
                         f'{row["candidate"]:.0f} s (speed-up per seed: '
                         f'{ratios})')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--work-dir', default=osp.join(
        REPO_ROOT, 'work_dirs', 'precision_accuracy'))
    parser.add_argument('--reuse', action='store_true',
                        help='keep finished runs (resume an interrupted '
                        'measurement)')
    parser.add_argument('--out', default=osp.join(
        REPO_ROOT, 'benchmarks', 'precision_accuracy.json'))
    args = parser.parse_args(argv)
    if len(args.seeds) < 2:
        parser.error('--seeds: an interval needs at least two seeds.')
    results = run(osp.abspath(args.work_dir), args.seeds, args.epochs,
                  args.reuse)
    rows = summarize(results)
    report = format_report(rows, args.epochs)
    print('\n' + report)
    result = dict(epochs=args.epochs, machine=machine(), rows=rows,
                  runs={name: {mode: {str(s): r for s, r in seeds.items()}
                               for mode, seeds in modes.items()}
                        for name, modes in results.items()})
    write_result_files(args.out, result, report)
    return result


if __name__ == '__main__':
    main()
