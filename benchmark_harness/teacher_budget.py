"""``benchmark.py --budget``: the core claims at the teacher's own budget.

The papers' claims live where the student trains as long as its teacher.
``--budget teacher`` trains every method of :data:`.methods.TEACHER_BUDGET`
for the shipped teacher's ``train_cfg.max_epochs`` (read from its config:
24 epochs, 9,000 iterations at batch 16), ``--budget N`` for N epochs, each
over the paired seeds with its schedule stretched to the run
(:mod:`.epoch_budget`) and a validation every :data:`VAL_INTERVAL` epochs,
so that every run leaves a learning curve. The SimCC pair
(``--groups ... dwpose-pair``) trains its teacher for the same budget.
Runs go under ``<work-dir>/budget-<N>ep``; the report
(:mod:`.budget_report`) to ``results_budget.{json,md}`` and
``curves_budget_<group>.png`` in ``--out-dir``, and every finished run's
logs to ``--out-dir``/``budget-<N>ep_runs`` (:mod:`.run_archive`), from
which ``--reuse`` restores them on another machine. The step-cost and
teacher-cache stages, which do not depend on the budget, are not run.
``--train-fit`` scores every finished run on its own training set as well
(:mod:`.train_fit`): train against val, in the report.
"""
import argparse
import os.path as osp
from typing import List, Sequence

from . import REPO_ROOT, ablation, budget_report, run_archive, train_fit
from .benchmark_report import load_teacher_metrics
from .benchmark_stages import (Stages, exit_if_failed, failure_lines,
                               flags_of, prepare_teachers, run_finished,
                               train_runs)
from .epoch_budget import config_epochs
from .methods import DEFAULT_SELECTION, budget_methods
from .quickstart import QUICKSTART, TEACHER

#: ``--budget teacher``: the shipped teacher's own epochs.
TEACHER_BUDGET = 'teacher'
#: Validation interval of the budget runs (epochs): their learning curves.
VAL_INTERVAL = 3


def budget_value(value: str):
    """``--budget``: :data:`TEACHER_BUDGET` or a positive whole number of
    student epochs; anything else is an argparse error naming it."""
    if value == TEACHER_BUDGET:
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise argparse.ArgumentTypeError(
        f'{value!r} is neither {TEACHER_BUDGET!r} (the shipped teacher\'s '
        'train_cfg.max_epochs, read from its config) nor a positive whole '
        'number of student epochs, e.g. --budget 12')


def budget_epochs(budget) -> int:
    """The student epochs of a :func:`budget_value`."""
    if budget == TEACHER_BUDGET:
        return config_epochs(osp.join(REPO_ROOT, QUICKSTART, TEACHER))
    return budget


def run_budget(args: argparse.Namespace) -> dict:
    """Train the selected methods of ``args.groups`` at ``args.budget``
    over ``args.seeds``, then write the budget report; exit non-zero after
    it when a training failed."""
    stage = Stages()
    flags = flags_of(args)
    epochs = budget_epochs(args.budget)
    val_interval = min(VAL_INTERVAL, epochs)
    work_dir = osp.join(osp.abspath(args.work_dir), f'budget-{epochs}ep')
    teachers, teacher_metrics = prepare_teachers(
        args.groups, epochs, work_dir, args.reuse or args.report_only, flags,
        stage, train=not args.report_only)
    selection = args.selection  # parse_args sets it for --budget
    runs = seed_major([
        run for group, methods in budget_methods(args.groups,
                                                 selection).items()
        for run in ablation.plan_methods(
            methods, args.seeds, epochs, teachers[ablation.TEACHERS[group]],
            osp.join(work_dir, 'ablation'), val_interval)], args.seeds)
    archive = osp.join(args.out_dir, f'budget-{epochs}ep_runs')
    if args.reuse or args.report_only:
        run_archive.restore_runs(runs, archive, flags)
    if args.report_only:
        done = finished_runs(runs, flags)
        failed = [run for run in runs if run not in done]
        stage(f'report only: {len(done)} of {len(runs)} trainings finished')
    else:
        stage(f'teacher budget ({args.budget}): {len(runs)} trainings of '
              f'{epochs} epochs validated every {val_interval}, seeds '
              f'{args.seeds}, {args.jobs} at a time')
        failed = train_runs(runs, args.reuse, flags, args.jobs)
    finished = [run for run in runs if run not in failed]
    if args.train_fit:
        stage('train against val: each finished run scored on its training '
              'set')
        for line in train_fit.measure_fits(finished):
            print(f'    warning: {line}', flush=True)
    run_archive.archive_runs(finished, archive)
    stage('report')
    metrics = {config: load_teacher_metrics(path)
               for config, path in teacher_metrics.items()}
    result = budget_report.write_report(
        finished,
        metrics.get(osp.join(QUICKSTART, TEACHER), {}),
        dict(name=str(args.budget), selection=selection, epochs=epochs,
             val_interval=val_interval, seeds=list(args.seeds)),
        args.out_dir, metrics.get(ablation.TEACHERS['dwpose-pair']),
        [] if args.report_only else failure_lines(failed),
        pending_lines(failed, args) if args.report_only else [])
    stage(f'done; results in {args.out_dir}')
    if not args.report_only:
        exit_if_failed(failed, len(runs))
    return result


def seed_major(runs: List[ablation.Run],
               seeds: Sequence[int]) -> List[ablation.Run]:
    """``runs`` seed by seed (every method at the first seed, then the
    next), so that a benchmark stopped part-way has whole seeds - every
    method beside its baseline - rather than whole methods."""
    return sorted(runs, key=lambda run: list(seeds).index(run.seed))


def finished_runs(runs: Sequence[ablation.Run],
                  flags: Sequence[str]) -> List[ablation.Run]:
    """The ``runs`` whose work dirs hold a finished training of their own
    configuration (:func:`.benchmark_stages.run_finished`)."""
    return [run for run in runs if run_finished(run, flags)]


def pending_lines(pending: Sequence[ablation.Run],
                  args: argparse.Namespace) -> List[str]:
    """The runs a partial report leaves out, and the command that trains
    them (it keeps the finished ones)."""
    if not pending:
        return []
    selection = args.selection
    command = ' '.join(
        ['python tools/analysis/benchmark.py', '--budget', str(args.budget),
         *(['--selection', selection]
           if selection != DEFAULT_SELECTION else []),
         '--reuse', '--seeds', *map(str, args.seeds), '--groups',
         *args.groups])
    return [f'{len(pending)} trainings not finished yet; resume them with '
            f'`{command}`:'] + [ablation.run_name(run) for run in pending]
