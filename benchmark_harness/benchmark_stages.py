"""What the benchmark's modes share: teachers, trainings, failures, timing.

Both ``benchmark.py --scale`` and ``--budget`` evaluate the shipped teacher,
train the SimCC pair's teacher when its group runs, train their students
through :func:`.ablation.execute` (reuse, resume and refusal by
:mod:`.run_state`), report what finished, and exit non-zero naming each
training that failed with its log.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, List, Sequence, Tuple

from . import REPO_ROOT, ablation, run_state
from .epoch_budget import epoch_options
from .methods import Method
from .quickstart import QUICKSTART, TEACHER, evaluate, last_checkpoint
from .shipped_teacher import SHIPPED_TEACHER, verified_teacher

#: The group name the trained teachers' runs are shown under.
TEACHER_GROUP = 'teachers'


class Stages:
    """Prints each stage with the minutes since the benchmark began."""

    def __init__(self):
        self.start = time.time()

    def __call__(self, text: str) -> None:
        print(f'[{(time.time() - self.start) / 60:5.1f} min] {text}',
              flush=True)


def flags_of(args: argparse.Namespace) -> List[str]:
    """The ``tools/train.py`` flags every training of the benchmark gets."""
    return ['--amp'] if args.amp else []


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


def teacher_run(config: str, work_dir: str, epochs: int) -> ablation.Run:
    """The training of teacher ``config`` (seed 0) for ``epochs``."""
    stem = osp.splitext(osp.basename(config))[0]
    path = osp.join(REPO_ROOT, config)
    return ablation.Run(
        Method(f'{TEACHER_GROUP}.{stem}', stem, config, TEACHER_GROUP), 0,
        path, work_dir,
        tuple(['randomness.seed=0'] + epoch_options(path, epochs)))


def run_finished(run: ablation.Run, flags: Sequence[str]) -> bool:
    """Whether ``run``'s work dir holds its finished training
    (:mod:`.run_state`); one made with another configuration stops a
    report (``--report-only``), naming the run."""
    record = run_state.fingerprint(run.config, run.options, flags)
    try:
        return run_state.state(run.work_dir, record,
                               ablation.run_name(run)) == run_state.DONE
    except run_state.ReuseMismatch as error:
        raise SystemExit(f'--report-only refused: {error}') from None


def finished_teacher(config: str, work_dir: str, epochs: int,
                     flags: Sequence[str] = ()) -> str:
    """The last checkpoint of teacher ``config``'s finished training in
    ``work_dir``; exits naming it when it has not finished (a report is
    not the place to train it)."""
    if not run_finished(teacher_run(config, work_dir, epochs), flags):
        raise SystemExit(
            f'--report-only: the teacher {config} has not finished its '
            f'{epochs} epochs in {work_dir}; run the benchmark without '
            '--report-only first')
    return last_checkpoint(work_dir)


def train_teacher(config: str, work_dir: str, epochs: int,
                  reuse: bool, flags: Sequence[str] = ()) -> str:
    """Train ``config`` (seed 0) for ``epochs``, kept, resumed or refused
    with ``reuse`` like any run; return its last checkpoint."""
    run = teacher_run(config, work_dir, epochs)
    failed = train_runs([run], reuse, flags, jobs=1)
    if failed:
        raise SystemExit('the teacher every distiller of its group needs '
                         'failed:\n' + '\n'.join(failure_lines(failed)))
    return last_checkpoint(work_dir)


def prepare_teachers(groups: Sequence[str], teacher_epochs: int,
                     work_dir: str, reuse: bool, flags: Sequence[str],
                     stage: Stages, train: bool = True
                     ) -> Tuple[Dict[str, str], Dict[str, str]]:
    """``(checkpoints, metrics)`` of the teachers of ``groups``, each keyed
    by teacher config: the shipped one checked and evaluated (metrics: a
    JSON file), the others trained ``teacher_epochs`` (metrics: its work
    dir), or, without ``train``, found finished (:func:`finished_teacher`).
    """
    shipped_config = osp.join(QUICKSTART, TEACHER)
    teachers, teacher_metrics = {}, {}
    for config in sorted({ablation.TEACHERS[g] for g in groups}):
        stem = osp.splitext(osp.basename(config))[0]
        teacher_dir = osp.join(work_dir, 'teachers', stem)
        if config == shipped_config:
            stage(f'teacher {osp.basename(config)}: the shipped checkpoint, '
                  'checked and evaluated')
            teacher_metrics[config] = shipped_teacher_metrics(
                teacher_dir, reuse)
            teachers[config] = osp.join(REPO_ROOT, SHIPPED_TEACHER)
            continue
        stage(f'teacher {osp.basename(config)} ({teacher_epochs} epochs)')
        teachers[config] = train_teacher(
            config, teacher_dir, teacher_epochs, reuse, flags) if train \
            else finished_teacher(config, teacher_dir, teacher_epochs, flags)
        teacher_metrics[config] = teacher_dir
    return teachers, teacher_metrics


def train_runs(runs: Sequence[ablation.Run], reuse: bool,
               flags: Sequence[str], jobs: int) -> List[ablation.Run]:
    """Train ``runs`` (:func:`.ablation.execute`); return those that
    failed, each already reported by name with its log. A ``--reuse`` work
    dir made with another config stops the benchmark, naming the run."""
    try:
        ablation.execute(runs, None, reuse, flags, jobs)
    except ablation.RunsFailed as error:
        return [run for run, _ in error.failures]
    except run_state.ReuseMismatch as error:
        raise SystemExit(
            '--reuse refused: work dirs made with another configuration '
            f'(another commit\'s recipes?):\n{error}\nRemove them, or rerun '
            'without --reuse to train every run afresh.') from None
    return []


def failure_lines(failed: Sequence[ablation.Run]) -> List[str]:
    """``[group] label, seed s (log: path)`` per failed run."""
    return [f'{ablation.run_name(run)} (log: {ablation.run_log(run)})'
            for run in failed]


def exit_if_failed(failed: Sequence[ablation.Run], total: int) -> None:
    """Exit non-zero naming the failed runs and their logs, if any."""
    if failed:
        raise SystemExit(
            f'{len(failed)} of {total} trainings failed; the report covers '
            'the others. Rerun the same command with --reuse to resume '
            'them:\n' + '\n'.join(failure_lines(failed)))
