"""One command for the whole benchmark: teachers, every method, costs, report.

``python tools/analysis/benchmark.py [--scale S] [--seeds 0 1] [--device
cuda --amp]`` runs, in one invocation on the same data, seeds and budget:

1. the two teachers (the quick-start heatmap teacher; the SimCC teacher of
   the DWPose pair), unless ``--reuse`` finds them trained;
2. the ablation groups (:mod:`benchmark_harness.ablation`): ``ikd`` (student
   alone, logit, feature, structure, integral), ``crd`` (regression student
   alone, OCD, TCD, full integral head, downsized head, downsized +
   TCD), ``ikd-bf16-teacher`` and ``dwpose-pair`` (SimCC student alone,
   MMPose's DWPoseDistiller, and mmpose_kd with the same losses);
3. the training-step cost comparison
   (:mod:`benchmark_harness.benchmark_steps`);
4. the report (:mod:`benchmark_harness.benchmark_report`): JSON, Markdown and
   PNG under ``--out-dir``, with the training curves of each group's
   distilled students (first seed) as ``curves_<run>.png``.

``--scale 1`` (6 student epochs, 16 teacher epochs, 20 step rounds) is
sized for 30 minutes on 2 idle CPU cores: at 8 / 20 epochs and 30 rounds the
whole command took 36.0 minutes end to end (2026-11-29), and the student
runs (28 of them then, about 5.6 s per epoch; 30 since the crd group
gained its full-integral-head row) dominate. Every run's schedule is
stretched to its epochs (:mod:`.epoch_budget`). Each stage prints the
elapsed time.
"""
import argparse
import os
import os.path as osp
import time
from typing import List, Optional, Sequence

from . import ablation, benchmark_report, benchmark_steps
from .epoch_budget import epoch_options
from .methods import GROUP_ORDER
from . import REPO_ROOT
from .quickstart import last_checkpoint, train

GROUPS = GROUP_ORDER
#: Runs whose training curves the report shows (config stem prefixes): the
#: distilled students of each group, first seed.
CURVE_RUNS = ('ikd-integral_hm', 'ocd_', 'tcd_', 'kd-dwpose-losses_',
              'dwpose_')
STUDENT_EPOCHS = 6
TEACHER_EPOCHS = 16


def train_teacher(config: str, work_dir: str, epochs: int,
                  reuse: bool, flags: Sequence[str] = ()) -> str:
    """Train ``config`` (seed 0) unless reusable; return its checkpoint."""
    final = osp.join(work_dir, f'epoch_{epochs}.pth')
    if reuse and osp.isfile(final):
        print(f'    reusing {final}', flush=True)
        return final
    config = osp.join(REPO_ROOT, config)
    train(config, work_dir,
          ['randomness.seed=0'] + epoch_options(config, epochs), flags)
    return last_checkpoint(work_dir)


def plot_curves(group_dir: str, seed: int, out_dir: str) -> List[str]:
    """``curves_<run>.png`` in ``out_dir`` for the CURVE_RUNS of a group."""
    from mmpose_kd.visualization import plot_training_curves
    written = []
    if not osp.isdir(group_dir):
        return written
    for run in sorted(os.listdir(group_dir)):
        stem, _, run_seed = run.rpartition('_seed')
        if run_seed == str(seed) and stem.startswith(CURVE_RUNS):
            written.append(plot_training_curves(
                osp.join(group_dir, run),
                osp.join(out_dir, f'curves_{run}.png')))
    return written


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', type=float, default=1.0,
                        help='multiplies the epochs (1: ~30 min on 2 cores)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--groups', nargs='+', default=list(GROUPS),
                        choices=GROUPS)
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'),
                        help='device of the step-cost comparison (trainings '
                        'use CUDA whenever it is available)')
    parser.add_argument('--amp', action='store_true',
                        help='AMP in every training and in the step-cost '
                        'comparison (CUDA)')
    parser.add_argument('--step-rounds', type=int, default=20)
    parser.add_argument('--skip-steps', action='store_true')
    parser.add_argument('--reuse', action='store_true',
                        help='keep runs that already reached their epochs')
    parser.add_argument('--work-dir', default=osp.join(
        REPO_ROOT, 'work_dirs', 'benchmark'))
    parser.add_argument('--out-dir', default=osp.join(REPO_ROOT,
                                                      'benchmarks'))
    args = parser.parse_args(argv)
    if args.amp and args.device != 'cuda':
        parser.error('--amp needs --device cuda')
    flags = ['--amp'] if args.amp else []
    if len(args.seeds) < 2:
        parser.error('use at least 2 seeds (mean and spread)')
    epochs = max(1, round(STUDENT_EPOCHS * args.scale))
    teacher_epochs = max(1, round(TEACHER_EPOCHS * args.scale))
    work_dir = osp.abspath(args.work_dir)
    start = time.time()

    def stage(text):
        print(f'[{(time.time() - start) / 60:5.1f} min] {text}', flush=True)

    teachers = {}
    for config in sorted({ablation.TEACHERS[g] for g in args.groups}):
        stage(f'teacher {osp.basename(config)} ({teacher_epochs} epochs)')
        stem = osp.splitext(osp.basename(config))[0]
        teachers[config] = train_teacher(
            config, osp.join(work_dir, 'teachers', stem), teacher_epochs,
            args.reuse, flags)
    for group in args.groups:
        stage(f'group {group} ({epochs} epochs, seeds {args.seeds})')
        rows = ablation.run_group(group, args.seeds, epochs,
                                  teachers[ablation.TEACHERS[group]],
                                  osp.join(work_dir, 'ablation'), args.reuse,
                                  flags)
        ablation.save_results(rows, osp.join(work_dir, 'ablation'), group)
        os.makedirs(args.out_dir, exist_ok=True)
        plot_curves(osp.join(work_dir, 'ablation', group), args.seeds[0],
                    args.out_dir)
    steps_file = None
    if not args.skip_steps:
        stage('training-step cost comparison')
        steps_file = osp.join(args.out_dir, f'steps_{args.device}.json')
        step_argv = ['--rounds', str(args.step_rounds), '--device',
                     args.device, '--out', steps_file]
        benchmark_steps.main(step_argv + (['--amp'] if args.amp else []))
    stage('report')
    quick_teacher = ablation.TEACHERS['ikd']
    report_argv = [
        '--ablation-dir', osp.join(work_dir, 'ablation'),
        '--teacher-metrics', osp.dirname(teachers[quick_teacher])
        if quick_teacher in teachers else '', '--out-dir', args.out_dir]
    pair_teacher = ablation.TEACHERS['dwpose-pair']
    if pair_teacher in teachers:
        report_argv += ['--pair-teacher-metrics',
                        osp.dirname(teachers[pair_teacher])]
    if steps_file:
        report_argv += ['--steps', steps_file]
    result = benchmark_report.main(report_argv)
    stage(f'done; results in {args.out_dir}')
    return result


