"""Train a group of recipes over several seeds and tabulate their APs.

Used to produce the ablation tables of docs/benchmark.md and the method
pages: every run is a ``tools/train.py`` process (see
:mod:`benchmark_harness.quickstart`), distiller recipes get the given teacher
checkpoint, and the table reports the mean and spread of the final
CocoMetric AP over the seeds, with the deployed parameter count.
"""
import argparse
import json
import os
import os.path as osp
import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from mmpose_kd.utils.markdown import markdown_table
from .epoch_budget import epoch_options, load_config
from . import REPO_ROOT, run_state
from .quickstart import last_metrics, loader_options, model_costs, train
from .methods import (GROUP_ORDER, GROUP_TEACHERS, SHARED_STARTS, Method,
                      group_methods)
from .train_costs import read_train_costs

#: ``group -> [(label, config)]``, derived from :data:`.methods.METHODS`.
GROUPS: Dict[str, List[tuple]] = {
    group: [(m.label, m.config) for m in group_methods(group)]
    for group in GROUP_ORDER
}
#: The teacher recipe whose checkpoint each group's distillers need.
TEACHERS = GROUP_TEACHERS


def teacher_ckpt_option(config: str, teacher_ckpt: str) -> Optional[str]:
    """The ``--cfg-options`` item giving ``config``'s distiller its
    teacher checkpoint (MMPose's DWPoseDistiller names it differently)."""
    model = load_config(config).model
    if model.get('type') == 'DWPoseDistiller':
        return f'model.teacher_pretrained={teacher_ckpt}'
    if 'teacher' in model:
        return f'model.teacher_ckpt={teacher_ckpt}'
    return None


@dataclass(frozen=True)
class Run:
    """One training of the benchmark: a method at a seed."""
    method: Method
    seed: int
    config: str
    work_dir: str
    options: Tuple[str, ...]
    #: ``(recipe, checkpoint)``: the run's ``load_from`` checkpoint, the
    #: draw of ``recipe`` at its seed (:mod:`.shared_start`); written
    #: before a fresh start.
    start: Optional[Tuple[str, str]] = None


def plan_group(group: str, seeds: Sequence[int], epochs: Optional[int],
               teacher_ckpt: str, work_root: str,
               val_interval: Optional[int] = None) -> List[Run]:
    """The runs of ``group``: every method at every seed (see
    :func:`plan_methods`)."""
    return plan_methods(group_methods(group), seeds, epochs, teacher_ckpt,
                        work_root, val_interval)


def plan_methods(methods: Sequence[Method], seeds: Sequence[int],
                 epochs: Optional[int], teacher_ckpt: str, work_root: str,
                 val_interval: Optional[int] = None) -> List[Run]:
    """Every method at every seed, its distillers given ``teacher_ckpt``,
    trained ``epochs`` epochs (the recipe's own without) validating every
    ``val_interval``, each in ``work_root/<group>/<stem>_seed<s>``; in a
    group of :data:`.methods.SHARED_STARTS`, each loading its seed's shared
    start from ``work_root/<group>/starts/<stem>_seed<s>.pth``."""
    runs = []
    for method in methods:
        config = osp.join(REPO_ROOT, method.config)
        teacher_option = teacher_ckpt_option(config, teacher_ckpt)
        budget = epoch_options(config, epochs, val_interval) \
            if epochs is not None else []
        stem = osp.splitext(osp.basename(config))[0]
        start_recipe = SHARED_STARTS.get(method.group)
        for seed in seeds:
            options = [f'randomness.seed={seed}'] + budget
            if teacher_option:
                options.append(teacher_option)
            start = None
            if start_recipe:
                start = (osp.join(REPO_ROOT, start_recipe),
                         osp.join(work_root, method.group, 'starts',
                                  f'{stem}_seed{seed}.pth'))
                options.append(f'load_from={start[1]}')
            runs.append(Run(method, seed, config,
                            osp.join(work_root, method.group,
                                     f'{stem}_seed{seed}'),
                            tuple(options), start))
    return runs


#: The log :func:`.quickstart.train` writes into a run's work dir.
TRAIN_LOG = 'train_stdout.log'


def run_name(run: Run) -> str:
    return f'[{run.method.group}] {run.method.label}, seed {run.seed}'


def run_log(run: Run) -> str:
    return osp.join(run.work_dir, TRAIN_LOG)


def first_line(error: BaseException) -> str:
    return (str(error) or type(error).__name__).splitlines()[0]


class RunsFailed(RuntimeError):
    """Trainings that failed, each named with its log; the other runs of
    the same :func:`execute` call ran to their end."""

    def __init__(self, failures: Sequence[Tuple[Run, BaseException]]):
        self.failures = list(failures)
        super().__init__('\n'.join(
            f'{run_name(run)} failed: {first_line(error)} (log: '
            f'{run_log(run)})' for run, error in self.failures))


def execute(runs: Sequence[Run], epochs: Optional[int] = None,
            reuse: bool = False, flags: Sequence[str] = (),
            jobs: int = 1) -> None:
    """Train ``runs``, ``jobs`` at a time (each with ``cpu_count // jobs``
    threads). ``reuse`` keeps a run that is done and resumes one that
    stopped after a checkpoint, and refuses, before training anything, a
    work dir made with another configuration (:mod:`.run_state`).
    ``epochs`` is not needed: each run's comes from its resolved config.
    A run that fails is reported by name with its log while the others go
    on; :class:`RunsFailed` lists the failures once all have ended."""
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None
    # not in the fingerprint (run_state.EXECUTION_KEYS): a run resumed
    # with another --jobs is the same experiment
    loading = loader_options(threads)
    records = {run: run_state.fingerprint(run.config, run.options, flags)
               for run in runs}
    states = {run: run_state.FRESH for run in runs}
    if reuse:
        refused = []
        for run in runs:
            try:
                states[run] = run_state.state(run.work_dir, records[run],
                                              run_name(run))
            except run_state.ReuseMismatch as error:
                refused.append(str(error))
        if refused:
            raise run_state.ReuseMismatch('\n'.join(refused))
    write_starts([run for run in runs if states[run] == run_state.FRESH])

    def one(run: Run) -> None:
        if states[run] == run_state.DONE:
            print(f'    reusing {run.work_dir}', flush=True)
            return
        resume = states[run] == run_state.RESUME
        if not resume:
            run_state.clear_attempt(run.work_dir)
        run_state.write_fingerprint(run.work_dir, records[run])
        print(run_name(run) + (' (resumed from its last checkpoint)'
                               if resume else ''), flush=True)
        try:
            train(run.config, run.work_dir, list(run.options) + loading,
                  list(flags) + (['--resume'] if resume else []),
                  threads=threads)
        except Exception as error:
            print(f'    FAILED {run_name(run)}: {first_line(error)}; log: '
                  f'{run_log(run)}', flush=True)
            raise
        metrics = last_metrics(run.work_dir)
        print(f'    done {run_name(run)}: coco/AP = '
              f'{metrics["coco/AP"]:.4f}, PCK@0.1 = '
              f'{metrics.get("PCK", float("nan")):.4f}', flush=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(one, run) for run in runs]
        failures = [(run, f.exception()) for run, f in zip(runs, futures)]
    failures = [(run, error) for run, error in failures if error is not None]
    if failures:
        raise RunsFailed(failures)


def write_starts(runs: Sequence[Run]) -> None:
    """Write the shared start of every run that has one, one draw per
    recipe and seed, here in one thread (the draw seeds the process's
    random generators)."""
    from . import shared_start
    draws: Dict[tuple, dict] = {}
    for run in runs:
        if run.start:
            recipe, path = run.start
            shared_start.write(recipe, run.seed, run.config, path,
                               run_name(run), draws)


def tabulate(runs: Sequence[Run], model_sizes: bool = True) -> List[dict]:
    """One row per method (in run order): its per-seed metrics and seconds
    per iteration read from the work dirs, their mean and half range, its
    training costs and (``model_sizes``) its params and FLOPs."""
    rows = []
    for method in dict.fromkeys(run.method for run in runs):
        mine = [run for run in runs if run.method == method]
        metrics = [last_metrics(run.work_dir) for run in mine]
        costs = [read_train_costs(run.work_dir) for run in mine]
        aps = [m['coco/AP'] for m in metrics]
        pcks = [m.get('PCK', float('nan')) for m in metrics]
        sizes = model_costs(mine[0].config) if model_sizes else {}
        rows.append(dict(
            id=method.id, method=method.label, config=method.config,
            **sizes, seeds=[run.seed for run in mine],
            metrics=metrics, aps=aps, mean=statistics.mean(aps),
            spread=(max(aps) - min(aps)) / 2, pcks=pcks,
            pck_mean=statistics.mean(pcks),
            pck_spread=(max(pcks) - min(pcks)) / 2,
            step_s_per_seed=[c.get('step_s') for c in costs],
            **run_costs(costs)))
    return rows


def run_group(group: str, seeds: Sequence[int], epochs: Optional[int],
              teacher_ckpt: str, work_root: str,
              reuse: bool = False, flags: Sequence[str] = (),
              jobs: int = 1) -> List[dict]:
    """Train every recipe of ``group`` per seed and tabulate."""
    runs = plan_group(group, seeds, epochs, teacher_ckpt, work_root)
    execute(runs, epochs, reuse, flags, jobs)
    return tabulate(runs)


def run_costs(costs: Sequence[dict]) -> dict:
    """Per-seed training costs of one recipe: the mean seconds per
    iteration and the largest peak memory (CUDA allocated or process RSS)."""
    result = {}
    steps = [c['step_s'] for c in costs if 'step_s' in c]
    if steps:
        result['step_s'] = statistics.mean(steps)
    for key in ('cuda_memory_mb', 'peak_rss_mb'):
        values = [c[key] for c in costs if key in c]
        if values:
            result[key] = max(values)
    return result


def format_table(rows: Sequence[dict]) -> str:
    return '\n'.join(markdown_table(
        ('method', 'deployed params (M)', 'AP mean', '+/- (half range)',
         'APs per seed', 'PCK@0.1 mean', '+/-'),
        ((row['method'], f'{row["params"] / 1e6:.3f}', f'{row["mean"]:.4f}',
          f'{row["spread"]:.4f}', ', '.join(f'{ap:.4f}' for ap in row['aps']),
          f'{row.get("pck_mean", float("nan")):.4f}',
          f'{row.get("pck_spread", float("nan")):.4f}') for row in rows)))


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('group', choices=sorted(GROUPS))
    parser.add_argument('--teacher-ckpt', required=True,
                        help='checkpoint of the quick-start heatmap teacher')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--epochs', type=int, default=None)
    parser.add_argument('--work-dir', default=osp.join(
        REPO_ROOT, 'work_dirs', 'ablation'))
    parser.add_argument('--reuse', action='store_true',
                        help='keep finished runs, resume stopped ones, '
                        'refuse work dirs made with other configs')
    parser.add_argument('--jobs', type=int, default=1,
                        help='trainings at a time (threads split evenly)')
    args = parser.parse_args(argv)
    if not osp.isfile(args.teacher_ckpt):
        parser.error(f'--teacher-ckpt {args.teacher_ckpt!r} does not exist')
    rows = run_group(args.group, args.seeds, args.epochs,
                     osp.abspath(args.teacher_ckpt),
                     osp.abspath(args.work_dir), args.reuse,
                     jobs=args.jobs)
    print(save_results(rows, args.work_dir, args.group))


def save_results(rows: Sequence[dict], work_dir: str, group: str) -> str:
    """Write ``<group>_results.json`` / ``.md`` into ``work_dir``; return
    the Markdown table."""
    table = format_table(rows)
    out = osp.join(work_dir, f'{group}_results')
    with open(out + '.json', 'w') as f:
        json.dump(list(rows), f, indent=2)
    with open(out + '.md', 'w') as f:
        f.write(table + '\n')
    return table
