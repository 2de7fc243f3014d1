"""The main job: teacher, student alone and distilled student, side by side.

Each model is trained by ``tools/train.py`` in its own process, exactly as a
user would run it, on the generated default data; then the CocoMetric AP of
each final validation is read from the run's scalar log and printed as a table.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

from .train_costs import run_measured

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = 'configs/quickstart'
TEACHER = 'td-hm_res18-w32_synthetic-64x48.py'
STUDENT = 'td-reg_res18-w16_synthetic-64x48.py'
DISTILLED = 'tcd_hm-res18-w32_reg-res18-w16_synthetic-64x48.py'
METRICS = ('coco/AP', 'coco/AP .5', 'coco/AR', 'PCK')


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
    from .complexity import count_flops, exported_student, input_shape
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
          flags: Sequence[str] = ()) -> float:
    """Run ``tools/train.py`` on ``config`` (plus ``flags``, e.g.
    ``--amp``); return its wall time. Its peak memory is recorded in the
    work dir (:mod:`.train_costs`)."""
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
    print(f'  $ {" ".join(command)}\n    (log: {log_path})', flush=True)
    with open(log_path, 'w') as log:
        returncode = run_measured(command, work_dir, log, cwd=REPO_ROOT)
    if returncode != 0:
        with open(log_path) as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'training {config} failed (exit '
                           f'{returncode}); last log lines:\n{tail}')
    return time.time() - start


def run(work_root: str, epochs: Optional[int], seed: int) -> List[dict]:
    from .epoch_budget import epoch_options
    rows = []
    teacher_dir = osp.join(work_root, 'teacher')
    steps = [('teacher (heatmap)', TEACHER, teacher_dir, []),
             ('student alone (regression)', STUDENT,
              osp.join(work_root, 'student'), []),
             ('student + TCD from teacher', DISTILLED,
              osp.join(work_root, 'distilled'), None)]
    for index, (name, config, work_dir, extra) in enumerate(steps, 1):
        config = osp.join(REPO_ROOT, QUICKSTART, config)
        if extra is None:
            extra = [f'model.teacher_ckpt={last_checkpoint(teacher_dir)}']
        options = [f'randomness.seed={seed}']
        if epochs is not None:
            options += epoch_options(config, epochs)
        print(f'[{index}/{len(steps)}] training {name}', flush=True)
        seconds = train(config, work_dir, options + extra)
        metrics = last_metrics(work_dir)
        rows.append(dict(model=name, config=osp.relpath(config, REPO_ROOT),
                         params=count_params(config), seconds=seconds,
                         **metrics))
        print(f'    coco/AP = {metrics["coco/AP"]:.4f}, PCK@0.1 = '
              f'{metrics.get("PCK", float("nan")):.4f} ({seconds:.0f} s)',
              flush=True)
    return rows


def format_table(rows: Sequence[dict]) -> str:
    lines = ['| model | params (M) | coco/AP | AP .5 | AR | PCK@0.1 '
             '| train time (s) |', '|---|---|---|---|---|---|---|']
    for row in rows:
        lines.append(
            f'| {row["model"]} | {row["params"] / 1e6:.2f} | '
            f'{row["coco/AP"]:.4f} | {row.get("coco/AP .5", float("nan")):.4f}'
            f' | {row.get("coco/AR", float("nan")):.4f} | '
            f'{row.get("PCK", float("nan")):.4f} | {row["seconds"]:.0f} |')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs',
                                                       'quickstart'))
    parser.add_argument('--epochs', type=int, default=None,
                        help='override every run\'s max_epochs')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    rows = run(osp.abspath(args.work_dir), args.epochs, args.seed)
    table = format_table(rows)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print('\nResults on the generated default data (val split):\n')
    print(table)
