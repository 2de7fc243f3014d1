"""One command for the whole benchmark: every method, costs, report.

``python tools/analysis/benchmark.py [--scale S] [--seeds 0 1 2] [--jobs N]
[--device cuda --amp]`` runs, in one invocation on the same data, seeds and
budget:

1. the teachers: the shipped default heatmap teacher is checked by hash and
   evaluated (not trained); the SimCC teacher of the DWPose pair is trained,
   unless ``--reuse`` finds it;
2. the ablation groups (:mod:`benchmark_harness.ablation`): ``ikd`` (student
   alone, logit, feature, structure, integral), ``crd`` (regression student
   alone, OCD, TCD, full integral head, downsized head, downsized + TCD)
   and ``dwpose-pair`` (SimCC student alone, MMPose's DWPoseDistiller, and
   mmpose_kd with the same losses); ``ikd-bf16-teacher`` on request. Every
   method runs once per seed, the seeds paired (a seed gives the same initial
   student weights with and without distillation), ``--jobs`` trainings at a
   time;
3. the training-step cost comparison
   (:mod:`benchmark_harness.benchmark_steps`) and the teacher cache's
   (:mod:`benchmark_harness.teacher_cache_benchmark`: build time and size,
   cached-TCD step against the student alone and live TCD);
4. the report (:mod:`benchmark_harness.benchmark_report`): JSON, Markdown and
   PNG under ``--out-dir``: per method the mean paired gain over its student
   alone with a 95% interval and the share of the teacher-student gap it
   closes, and the training curves of each group's distilled students (first
   seed) as ``curves_<run>.png``.

``--scale 1`` (1 student epoch, 3 SimCC-teacher epochs, 3 seeds, 2 jobs) is
sized for 45 minutes on 2 idle CPU cores; ``--scale 3`` trains the students
as long as the main job does. Every run's schedule is stretched to its epochs
(:mod:`.epoch_budget`). Each stage prints the elapsed time.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import List, Optional, Sequence

from . import (ablation, benchmark_report, benchmark_steps,
               teacher_cache_benchmark)
from .epoch_budget import epoch_options
from .methods import GROUP_ORDER
from . import REPO_ROOT
from .quickstart import QUICKSTART, TEACHER, evaluate, last_checkpoint, train
from .shipped_teacher import SHIPPED_TEACHER, verified_teacher

GROUPS = GROUP_ORDER
#: What runs without ``--groups``: the bf16-teacher variant is a cost
#: option of integral IKD, not a method.
DEFAULT_GROUPS = ('ikd', 'crd', 'dwpose-pair')
#: Runs whose training curves the report shows (config stem prefixes): the
#: distilled students of each group, first seed.
CURVE_RUNS = ('ikd-integral_hm', 'ocd_', 'tcd_', 'kd-dwpose-losses_',
              'dwpose_')
STUDENT_EPOCHS = 1
TEACHER_EPOCHS = 3
DEFAULT_SEEDS = (0, 1, 2)


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


def shipped_teacher_metrics(work_dir: str, reuse: bool) -> str:
    """Check the shipped teacher by hash and evaluate it once into
    ``work_dir/metrics.json`` (kept with ``reuse``); return that file."""
    verified_teacher(osp.join(REPO_ROOT, SHIPPED_TEACHER))
    out = osp.join(work_dir, 'metrics.json')
    os.makedirs(work_dir, exist_ok=True)
    if reuse and osp.isfile(out):
        print(f'    reusing {out}', flush=True)
        return out
    metrics = evaluate(osp.join(REPO_ROOT, QUICKSTART, TEACHER),
                       osp.join(REPO_ROOT, SHIPPED_TEACHER), work_dir)
    with open(out, 'w') as f:
        json.dump(metrics, f, indent=2)
    return out


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
                        help='multiplies the epochs (1: ~45 min on 2 cores)')
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=list(DEFAULT_SEEDS))
    parser.add_argument('--groups', nargs='+', default=list(DEFAULT_GROUPS),
                        choices=GROUPS)
    parser.add_argument('--jobs', type=int, default=2,
                        help='trainings at a time, the CPU threads split '
                        'between them (2 on 2 cores: 1.5x the throughput '
                        'of one 2-thread training)')
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'),
                        help='device of the step-cost comparison (trainings '
                        'use CUDA whenever it is available)')
    parser.add_argument('--amp', action='store_true',
                        help='AMP in every training and in the step-cost '
                        'comparison (CUDA)')
    parser.add_argument('--step-rounds', type=int, default=20)
    parser.add_argument('--skip-steps', action='store_true')
    parser.add_argument('--skip-cache', action='store_true',
                        help='leave out the teacher-cache cost stage')
    parser.add_argument('--reuse', action='store_true',
                        help='keep runs that already reached their epochs')
    parser.add_argument('--work-dir', default=osp.join(
        REPO_ROOT, 'work_dirs', 'benchmark'))
    parser.add_argument('--out-dir', default=osp.join(REPO_ROOT,
                                                      'benchmarks'))
    args = parser.parse_args(argv)
    if args.amp and args.device != 'cuda':
        parser.error('--amp needs --device cuda')
    if args.jobs < 1:
        parser.error(f'--jobs must be at least 1, got {args.jobs}')
    flags = ['--amp'] if args.amp else []
    if len(set(args.seeds)) < 2:
        parser.error('use at least 2 distinct seeds (a paired interval)')
    epochs = max(1, round(STUDENT_EPOCHS * args.scale))
    teacher_epochs = max(1, round(TEACHER_EPOCHS * args.scale))
    work_dir = osp.abspath(args.work_dir)
    start = time.time()

    def stage(text):
        print(f'[{(time.time() - start) / 60:5.1f} min] {text}', flush=True)

    shipped_config = osp.join(QUICKSTART, TEACHER)
    teachers, teacher_metrics = {}, {}
    for config in sorted({ablation.TEACHERS[g] for g in args.groups}):
        stem = osp.splitext(osp.basename(config))[0]
        teacher_dir = osp.join(work_dir, 'teachers', stem)
        if config == shipped_config:
            stage(f'teacher {osp.basename(config)}: the shipped checkpoint, '
                  'checked and evaluated')
            teacher_metrics[config] = shipped_teacher_metrics(
                teacher_dir, args.reuse)
            teachers[config] = osp.join(REPO_ROOT, SHIPPED_TEACHER)
            continue
        stage(f'teacher {osp.basename(config)} ({teacher_epochs} epochs)')
        teachers[config] = train_teacher(config, teacher_dir, teacher_epochs,
                                         args.reuse, flags)
        teacher_metrics[config] = teacher_dir
    ablation_dir = osp.join(work_dir, 'ablation')
    runs = {group: ablation.plan_group(
                group, args.seeds, epochs, teachers[ablation.TEACHERS[group]],
                ablation_dir) for group in args.groups}
    stage(f'groups {", ".join(args.groups)}: '
          f'{sum(map(len, runs.values()))} trainings of {epochs} epochs, '
          f'seeds {args.seeds}, {args.jobs} at a time')
    ablation.execute([run for group in args.groups for run in runs[group]],
                     epochs, args.reuse, flags, args.jobs)
    os.makedirs(args.out_dir, exist_ok=True)
    for group in args.groups:
        ablation.save_results(ablation.tabulate(runs[group]), ablation_dir,
                              group)
        plot_curves(osp.join(ablation_dir, group), args.seeds[0],
                    args.out_dir)
    steps_file = None
    if not args.skip_steps:
        stage('training-step cost comparison')
        steps_file = osp.join(args.out_dir, f'steps_{args.device}.json')
        step_argv = ['--rounds', str(args.step_rounds), '--device',
                     args.device, '--out', steps_file]
        benchmark_steps.main(step_argv + (['--amp'] if args.amp else []))
    if not args.skip_cache:
        stage('teacher-cache cost comparison')
        teacher_cache_benchmark.main([
            '--device', args.device, '--out',
            osp.join(args.out_dir, 'teacher_cache.json')])
    stage('report')
    report_argv = [
        '--ablation-dir', ablation_dir, '--teacher-metrics',
        teacher_metrics.get(shipped_config, ''), '--out-dir', args.out_dir]
    pair_teacher = ablation.TEACHERS['dwpose-pair']
    if pair_teacher in teacher_metrics:
        report_argv += ['--pair-teacher-metrics',
                        teacher_metrics[pair_teacher]]
    if steps_file:
        report_argv += ['--steps', steps_file]
    result = benchmark_report.main(report_argv)
    stage(f'done; results in {args.out_dir}')
    return result
