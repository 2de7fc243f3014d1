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
   (:mod:`benchmark_harness.benchmark_steps`; on a CPU with native bfloat16
   also :mod:`benchmark_harness.precision_steps`: each method's step in
   fp32, bf16 and bf16 + channels-last) and the teacher cache's
   (:mod:`benchmark_harness.teacher_cache_benchmark`: build time and size,
   cached-TCD step against the student alone and live TCD);
4. the report (:mod:`benchmark_harness.benchmark_report`): JSON, Markdown and
   PNG under ``--out-dir``: per method the mean paired gain over its student
   alone with a 95% interval and the share of the teacher-student gap it
   closes, and the training curves of each group's distilled students (first
   seed) as ``curves_<run>.png``.

``--scale 1`` (1 student epoch, 3 SimCC-teacher epochs, 3 seeds, 2 jobs) is
sized for 45 minutes on 2 idle CPU cores; ``--scale 8`` trains the students
as long as the main job does. Every run's schedule is stretched to its epochs
(:mod:`.epoch_budget`). Each stage prints the elapsed time.

``--budget teacher`` (or ``--budget N``; either it or ``--scale``, never
both) is the other mode: the core claims only, every student trained as
long as the shipped teacher (:mod:`.teacher_budget`).

``--reuse`` keeps finished runs, resumes one that stopped from its last
checkpoint and refuses a work dir made with another configuration
(:mod:`.run_state`). A training that fails is named with its log, the
others go on, the report covers what finished, and the command exits
non-zero.
"""
import argparse
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmpose_kd.utils.precision import cpu_bf16_supported
from . import (REPO_ROOT, ablation, benchmark_report, benchmark_steps,
               precision_steps, teacher_cache_benchmark)
from .benchmark_stages import (Stages, exit_if_failed, flags_of,
                               prepare_teachers, train_runs)
from .methods import (DEFAULT_SELECTION, GROUP_ORDER, SELECTIONS,
                      TEACHER_BUDGET_ON_REQUEST, budget_groups,
                      budget_methods)
from .quickstart import QUICKSTART, TEACHER
from .teacher_budget import (TEACHER_BUDGET, VAL_INTERVAL, budget_value,
                             run_budget)

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


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--scale', type=float, default=1.0,
                        help='multiplies the epochs (1: ~45 min on 2 cores)')
    budget.add_argument(
        '--budget', type=budget_value, default=None,
        help=f'{TEACHER_BUDGET!r} or N: the teacher-budget benchmark '
        '(the core claims only, every student trained as long as the '
        'shipped teacher or N epochs, validated every '
        f'{VAL_INTERVAL}; see teacher_budget.py); not with --scale')
    parser.add_argument(
        '--selection', default=None, choices=sorted(SELECTIONS),
        help=f'--budget: the methods trained (default '
        f'{DEFAULT_SELECTION!r}: the papers\' core claims; ikd-terms, '
        'ikd-schedules: the integral IKD ablations; dwpose-pair: '
        'DWPoseDistiller against mmpose_kd on the SimCC pair; '
        'dwpose-pair-same-start: the same from one initial student and '
        'connector per seed, see shared_start.py); each '
        'selection reports to results_budget[_<selection>].*')
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=list(DEFAULT_SEEDS))
    parser.add_argument('--groups', nargs='+', default=None, choices=GROUPS,
                        help=f'default: {" ".join(DEFAULT_GROUPS)}; with '
                        f'--budget: {" ".join(budget_groups())} (add '
                        f'{" ".join(TEACHER_BUDGET_ON_REQUEST)} on request)')
    parser.add_argument('--jobs', type=int, default=2,
                        help='trainings at a time, the CPU threads split '
                        'between them (2 on 2 cores: 1.5x the throughput '
                        'of one 2-thread training)')
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'),
                        help='device of the step-cost comparison (trainings '
                        'use CUDA whenever it is available; --budget runs '
                        'no step costs, its trainings still use CUDA)')
    parser.add_argument('--amp', action='store_true',
                        help='AMP in every training and in the step-cost '
                        'comparison (CUDA)')
    parser.add_argument('--step-rounds', type=int, default=20)
    parser.add_argument('--skip-steps', action='store_true',
                        help='leave out the step-cost stage (--budget '
                        'never runs it)')
    parser.add_argument('--skip-cache', action='store_true',
                        help='leave out the teacher-cache cost stage '
                        '(--budget never runs it)')
    parser.add_argument('--reuse', action='store_true',
                        help='keep finished runs, resume stopped ones from '
                        'their last checkpoint, refuse work dirs made with '
                        'other configs')
    parser.add_argument('--report-only', action='store_true',
                        help='--budget: train nothing; report the runs '
                        'that finished, list the others with the command '
                        'that resumes them (a partial report)')
    parser.add_argument('--train-fit', action='store_true',
                        help='--budget: also score each finished run\'s '
                        'final checkpoint on its whole training set and on '
                        'val (train against val, in the report; about a '
                        'minute a run on this CPU; see train_fit.py)')
    parser.add_argument('--work-dir', default=osp.join(
        REPO_ROOT, 'work_dirs', 'benchmark'),
        help='--budget N trains under WORK_DIR/budget-<N>ep')
    parser.add_argument('--out-dir', default=osp.join(REPO_ROOT,
                                                      'benchmarks'))
    args = parser.parse_args(argv)
    if args.amp and args.device != 'cuda':
        parser.error('--amp needs --device cuda')
    if args.jobs < 1:
        parser.error(f'--jobs must be at least 1, got {args.jobs}')
    if len(set(args.seeds)) < 2:
        parser.error('use at least 2 distinct seeds (a paired interval)')
    if args.report_only and args.budget is None:
        parser.error('--report-only reports a --budget benchmark; give '
                     '--budget teacher or --budget N')
    if args.train_fit and (args.budget is None or args.report_only):
        parser.error('--train-fit scores the runs of a --budget benchmark '
                     'as it trains them; give --budget teacher or --budget '
                     'N, without --report-only (a report reads the scores '
                     'already measured)')
    if args.selection is not None and args.budget is None:
        parser.error('--selection chooses the methods of a --budget '
                     'benchmark; give --budget teacher or --budget N')
    if args.budget is None:
        args.groups = args.groups or list(DEFAULT_GROUPS)
    else:
        args.selection = args.selection or DEFAULT_SELECTION
        args.groups = args.groups or budget_groups(args.selection)
        try:
            budget_methods(args.groups, args.selection)
        except ValueError as error:
            parser.error(str(error))
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if args.budget is not None:
        return run_budget(args)
    return run_scaled(args)


def run_scaled(args: argparse.Namespace) -> dict:
    """The whole benchmark at ``--scale``: every method of the groups,
    step and teacher-cache costs, :mod:`.benchmark_report`."""
    stage = Stages()
    flags = flags_of(args)
    epochs = max(1, round(STUDENT_EPOCHS * args.scale))
    teacher_epochs = max(1, round(TEACHER_EPOCHS * args.scale))
    work_dir = osp.abspath(args.work_dir)
    teachers, teacher_metrics = prepare_teachers(
        args.groups, teacher_epochs, work_dir, args.reuse, flags, stage)
    ablation_dir = osp.join(work_dir, 'ablation')
    runs = {group: ablation.plan_group(
                group, args.seeds, epochs, teachers[ablation.TEACHERS[group]],
                ablation_dir) for group in args.groups}
    stage(f'groups {", ".join(args.groups)}: '
          f'{sum(map(len, runs.values()))} trainings of {epochs} epochs, '
          f'seeds {args.seeds}, {args.jobs} at a time')
    every_run = [run for group in args.groups for run in runs[group]]
    failed = train_runs(every_run, args.reuse, flags, args.jobs)
    os.makedirs(args.out_dir, exist_ok=True)
    for group in args.groups:
        finished = [run for run in runs[group] if run not in failed]
        ablation.save_results(ablation.tabulate(finished), ablation_dir,
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
        if args.device == 'cpu' and cpu_bf16_supported():
            stage('training-step cost in fp32, bf16 and bf16 + '
                  'channels-last')
            precision_steps.main([
                '--rounds', str(args.step_rounds), '--out',
                osp.join(args.out_dir, 'precision_steps_cpu.json')])
    if not args.skip_cache:
        stage('teacher-cache cost comparison')
        teacher_cache_benchmark.main([
            '--device', args.device, '--out',
            osp.join(args.out_dir, 'teacher_cache.json')])
    stage('report')
    shipped_config = osp.join(QUICKSTART, TEACHER)
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
    exit_if_failed(failed, len(every_run))
    return result
