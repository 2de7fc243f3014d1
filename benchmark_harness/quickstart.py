"""The main job: teacher, student alone and distilled student, side by side.

The default teacher ships with the checkout (``checkpoints/``, checked by
hash; ``--train-teacher`` rebuilds it). The students are trained here, each by
``tools/train.py`` in its own process, exactly as a user would run them, on
the generated default data, once per paired seed (the distilled and the
alone run of a seed start from the same student weights). The CocoMetric and
PCK figures of each final validation are read from the run's scalar log and
printed as a table, with the per-seed gain of distillation.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .epoch_budget import epoch_options
from .train_costs import run_measured

QUICKSTART = 'configs/quickstart'
TEACHER = 'td-hm_res18-w32_synthetic-128x96.py'
STUDENT = 'td-reg_res18-w16_synthetic-128x96.py'
DISTILLED = 'tcd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
METHOD = 'TCD + feature KD'
METRICS = ('coco/AP', 'coco/AP .5', 'coco/AR', 'PCK')
STUDENT_EPOCHS = 8
#: Trainings at a time: on 2 cores, two 1-thread trainings finish more
#: iterations per second than one 2-thread training.
STUDENT_JOBS = 2


def last_metrics(work_dir: str) -> Dict[str, float]:
    """The last validation metrics a run logged in its ``scalars.json``."""
    from mmpose_kd.utils.scalar_logs import read_records, scalars_files
    files = scalars_files(work_dir)
    if not files:
        raise FileNotFoundError(f'no scalars.json under {work_dir!r}: did '
                                'the training run validate?')
    metrics = {}
    for record in read_records(files[-1]):
        if 'coco/AP' in record:
            metrics = {k: record[k] for k in METRICS if k in record}
    if not metrics:
        raise ValueError(f'{files[-1]!r} holds no coco/AP record.')
    return metrics


def last_checkpoint(work_dir: str) -> str:
    """Path written by MMEngine's CheckpointHook in ``last_checkpoint``."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'{marker!r} not found: the run saved no '
                                'checkpoint.')
    with open(marker) as f:
        return f.read().strip()


def model_costs(config: str) -> Dict[str, int]:
    """Sizes of ``config``'s models: ``params`` and ``flops`` (multiply-adds
    at the configured input size) of the deployed student (an OCD head
    reduced to its regression branch), and ``train_params``, everything
    the optimizer trains (student, connectors, training-only branches)."""
    import mmpose_kd  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose_kd.registry import MODELS
    from mmpose_kd.analysis.complexity import (count_flops, exported_student,
                                               input_shape)
    init_default_scope('mmpose')
    cfg = Config.fromfile(config)
    for key in ('teacher_ckpt', 'teacher_pretrained'):
        if key in cfg.model:
            cfg.model[key] = None
    model = MODELS.build(cfg.model)
    student = getattr(model, 'student', model)
    from mmpose_kd.models.heads import CrossRepresentationHead
    if isinstance(getattr(student, 'head', None), CrossRepresentationHead):
        student = exported_student(cfg, model)  # OCD: regression branch
    return dict(
        params=sum(p.numel() for p in student.parameters()),
        train_params=sum(p.numel() for p in model.parameters()
                         if p.requires_grad),
        flops=count_flops(student.eval(), input_shape(cfg, student)))


def count_params(config: str, teacher_ckpt: Optional[str] = None) -> int:
    """Parameters of the deployed model of ``config`` (the student)."""
    return model_costs(config)['params']


def train(config: str, work_dir: str, options: List[str],
          flags: Sequence[str] = (), threads: Optional[int] = None) -> float:
    """Run ``tools/train.py`` on ``config`` (plus ``flags``, e.g.
    ``--amp``; ``threads``: its ``OMP_NUM_THREADS`` unless the caller's
    environment sets one); return its wall time. Its peak memory is
    recorded in the work dir (:mod:`.train_costs`)."""
    command = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'), config, '--work-dir',
        work_dir, *flags
    ]
    if options:
        command += ['--cfg-options'] + options
    log_path = osp.join(work_dir, 'train_stdout.log')
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    print(f'  $ {" ".join(command)}\n    (log: {log_path})\n', end='',
          flush=True)
    with open(log_path, 'w') as log:
        env = None
        if threads is not None and 'OMP_NUM_THREADS' not in os.environ:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        returncode = run_measured(command, work_dir, log, cwd=REPO_ROOT,
                                  env=env)
    if returncode != 0:
        with open(log_path) as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'training {config} failed (exit '
                           f'{returncode}); last log lines:\n{tail}')
    return time.time() - start


def evaluate(config: str, checkpoint: str, work_dir: str) -> Dict[str, float]:
    """Run ``tools/test.py`` on ``checkpoint``; return the metrics it prints."""
    command = [sys.executable, osp.join(REPO_ROOT, 'tools', 'test.py'),
               config, checkpoint, '--work-dir', work_dir]
    os.makedirs(work_dir, exist_ok=True)
    log_path = osp.join(work_dir, 'test_stdout.log')
    print(f'  $ {" ".join(command)}\n    (log: {log_path})\n', end='',
          flush=True)
    with open(log_path, 'w') as log:
        returncode = subprocess.call(command, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    with open(log_path) as f:
        lines = f.read().splitlines()
    if returncode != 0 or '{' not in lines:
        raise RuntimeError(f'evaluating {checkpoint} failed (exit '
                           f'{returncode}); last log lines:\n' +
                           '\n'.join(lines[-30:]))
    start = len(lines) - 1 - lines[::-1].index('{')
    end = lines.index('}', start)
    metrics = json.loads('\n'.join(lines[start:end + 1]))
    return {k: metrics[k] for k in METRICS if k in metrics}


#: ``--cfg-options`` of a training that has one CPU thread to itself.
IN_PROCESS_LOADING = ('train_dataloader.num_workers=0',
                      'train_dataloader.persistent_workers=False')


def loader_options(threads: Optional[int]) -> List[str]:
    """Loader options for a training given ``threads`` CPU threads (None:
    the whole machine). With one thread per training - two side by side on
    two cores - loader worker processes only compete with the trainings for
    the cores: two distilled main-job trainings took 0.146 s per iteration
    each loading in-process, 0.194 s with one worker each and 0.21 s with
    the recipes' two (2026-12-02, 2-core CPU, bf16)."""
    return list(IN_PROCESS_LOADING) if threads == 1 else []


def train_teacher(work_root: str, out: Optional[str] = None) -> Dict:
    """Train the default teacher from scratch and pack it as the shipped
    float16 checkpoint (``--train-teacher``; ``out`` defaults to the shipped
    path); return its manifest."""
    from .shipped_teacher import SHIPPED_TEACHER, pack_teacher
    config = osp.join(REPO_ROOT, QUICKSTART, TEACHER)
    work_dir = osp.join(work_root, 'teacher')
    print(f'training the default teacher from scratch ({TEACHER}, its full '
          'schedule; about 30 min on 2 CPU cores)', flush=True)
    seconds = train(config, work_dir, [])
    metrics = last_metrics(work_dir)
    return pack_teacher(
        last_checkpoint(work_dir), out or osp.join(REPO_ROOT, SHIPPED_TEACHER),
        osp.relpath(config, REPO_ROOT),
        info=dict(trained=dict(wall_minutes=round(seconds / 60, 1)),
                  val=metrics))


def run(work_root: str, epochs: Optional[int], seeds: Sequence[int],
        jobs: int = 1) -> List[dict]:
    """Evaluate the shipped teacher, then train the student alone and the
    distilled student once per seed, ``jobs`` trainings at a time (the
    CPU threads split between them); return one row per model and seed."""
    from .shipped_teacher import SHIPPED_TEACHER, verified_teacher
    teacher_ckpt = verified_teacher(osp.join(REPO_ROOT, SHIPPED_TEACHER))
    teacher_config = osp.join(REPO_ROOT, QUICKSTART, TEACHER)
    print('[1] evaluating the shipped teacher (not trained here)',
          flush=True)
    start = time.time()
    metrics = evaluate(teacher_config, teacher_ckpt,
                       osp.join(work_root, 'teacher'))
    # The teacher row's time is its evaluation (and the val split's
    # generation on a first run), not a training.
    seconds = time.time() - start
    rows = [dict(model='teacher (heatmap, shipped)', seed=None,
                 config=osp.relpath(teacher_config, REPO_ROOT),
                 params=count_params(teacher_config), seconds=seconds,
                 **metrics)]
    _print_metrics(metrics, seconds)
    steps = [('student alone (regression)', STUDENT, 'student', []),
             (f'student + {METHOD}', DISTILLED, 'distilled',
              [f'model.teacher_ckpt={teacher_ckpt}'])]
    tasks = [(seed, *step) for seed in seeds for step in steps]
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None

    # Options are read here, not in the worker threads: MMEngine's config
    # parsing is not thread-safe.
    planned = []
    for seed, name, config, folder, extra in tasks:
        config = osp.join(REPO_ROOT, QUICKSTART, config)
        options = [f'randomness.seed={seed}'] + extra
        if epochs is not None:
            options += epoch_options(config, epochs)
        options += loader_options(threads)
        planned.append((seed, name, config,
                        osp.join(work_root, f'{folder}_seed{seed}'), options))

    def one(index, task):
        seed, name, config, work_dir, options = task
        # one write per line: two jobs print at once
        print(f'[{index}] training {name}, seed {seed}\n', end='', flush=True)
        seconds = train(config, work_dir, options, threads=threads)
        metrics = last_metrics(work_dir)
        _print_metrics(metrics, seconds, f'[{index}] {name}, seed {seed}: ')
        return dict(model=name, seed=seed,
                    config=osp.relpath(config, REPO_ROOT), seconds=seconds,
                    **metrics)

    # The distilled runs (the longer ones) start first, so that two jobs
    # end together; the rows keep seed order.
    order = sorted(range(len(tasks)), key=lambda i: tasks[i][3] != 'distilled')
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {i: pool.submit(one, rank + 2, planned[i])
                   for rank, i in enumerate(order)}
        trained = [futures[i].result() for i in range(len(tasks))]
    params = {}  # deployed params per config: each model is built once
    for row in trained:
        if row['config'] not in params:
            params[row['config']] = count_params(
                osp.join(REPO_ROOT, row['config']))
        rows.append(dict(row, params=params[row['config']]))
    return rows


def _print_metrics(metrics: Dict[str, float], seconds: float,
                   label: str = '') -> None:
    print(f'    {label}coco/AP = {metrics["coco/AP"]:.4f}, PCK@0.1 = '
          f'{metrics.get("PCK", float("nan")):.4f} ({seconds:.0f} s)\n',
          end='', flush=True)


def paired_gains(rows: Sequence[dict]) -> Dict[str, List[float]]:
    """Per seed, distilled minus alone, for every metric (seed order)."""
    by_seed = {}
    for row in rows:
        if row['seed'] is not None:
            kind = 'distilled' if row['config'].endswith(DISTILLED) \
                else 'alone'
            by_seed.setdefault(row['seed'], {})[kind] = row
    gains = {metric: [] for metric in METRICS}
    for seed in sorted(by_seed):
        pair = by_seed[seed]
        for metric in METRICS:
            gains[metric].append(pair['distilled'][metric] -
                                 pair['alone'][metric])
    return gains


def format_table(rows: Sequence[dict]) -> str:
    nan = float('nan')
    return '\n'.join(markdown_table(
        ('model', 'seed', 'params (M)', 'coco/AP', 'AP .5', 'AR', 'PCK@0.1',
         'time (s)'),
        ((row['model'], '-' if row.get('seed') is None else row['seed'],
          f'{row["params"] / 1e6:.2f}', f'{row["coco/AP"]:.4f}',
          f'{row.get("coco/AP .5", nan):.4f}', f'{row.get("coco/AR", nan):.4f}',
          f'{row.get("PCK", nan):.4f}', f'{row["seconds"]:.0f}')
         for row in rows)))


def format_gains(rows: Sequence[dict]) -> str:
    """One line per metric: the paired gain on each seed, and whether the
    distilled student beat the student alone on every seed."""
    lines = []
    for metric, gains in paired_gains(rows).items():
        if not gains:
            continue
        every = 'yes' if all(g > 0 for g in gains) else 'NO'
        lines.append(f'{metric}: gain per seed '
                     f'{", ".join(f"{g:+.4f}" for g in gains)}; '
                     f'distilled better on every seed: {every}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs',
                                                       'quickstart'))
    parser.add_argument('--epochs', type=int, default=STUDENT_EPOCHS,
                        help='epochs of every student run (default '
                        f'{STUDENT_EPOCHS}; the schedule is stretched)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1],
                        help='paired seeds: each trains the student alone '
                        'and distilled from the same initial weights')
    parser.add_argument('--jobs', type=int, default=STUDENT_JOBS,
                        help='student trainings at a time, the CPU threads '
                        f'split between them (default {STUDENT_JOBS})')
    parser.add_argument('--train-teacher', action='store_true',
                        help='train the default teacher from scratch and '
                        'overwrite the shipped checkpoint, then stop')
    args = parser.parse_args(argv)
    work_root = osp.abspath(args.work_dir)
    if args.train_teacher:
        manifest = train_teacher(work_root)
        print(json.dumps(manifest, indent=2))
        return
    if args.jobs < 1:
        parser.error(f'--jobs must be at least 1, got {args.jobs}')
    rows = run(work_root, args.epochs, args.seeds, args.jobs)
    table, gains = format_table(rows), format_gains(rows)
    with open(osp.join(work_root, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    with open(osp.join(work_root, 'results.md'), 'w') as f:
        f.write(table + '\n\n' + gains + '\n')
    print('\nResults on the generated default data (val split):\n')
    print(table)
    print('\nDistilled minus alone, paired seeds:\n')
    print(gains)
