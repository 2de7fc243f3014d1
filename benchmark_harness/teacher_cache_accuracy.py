"""Cached against live TCD on the default data: accuracy over paired seeds.

``python tools/analysis/teacher_cache_accuracy.py [--seeds 0 1 2]
[--epochs 3] [--views 4] [--jobs 2]``:

1. builds the full teacher cache of the live TCD recipe (every training
   instance, ``--views`` views, heatmaps), timed, at the cached recipe's
   cache dir, or reuses a complete one there (the training refuses one that
   does not match, naming what differs);
2. trains, per seed, the live recipe and the cached one for ``--epochs``
   (schedules stretched), ``--jobs`` at a time; a seed gives both the same
   initial student weights;
3. prints per seed the final AP, PCK@0.1 and logged seconds per iteration
   (data loading included), and the paired difference cached - live with
   its 95% Student-t interval (the issue's "equal within the seed
   interval").
"""
import argparse
import os.path as osp
import time
from typing import Optional, Sequence

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .ablation import Run, execute, tabulate
from .benchmark_report import paired_gain
from .epoch_budget import epoch_options
from .methods import Method
from .result_files import write_result_files
from .shipped_teacher import SHIPPED_TEACHER, verified_teacher
from .teacher_cache_benchmark import CACHED, LIVE

GROUP = 'teacher-cache'
METHODS = (Method(f'{GROUP}.live-tcd', 'TCD, live teacher', LIVE, GROUP),
           Method(f'{GROUP}.cached-tcd', 'TCD, teacher cache', CACHED,
                  GROUP))


def cache_dir_of(config: str) -> str:
    """The cache directory the cached recipe names, made absolute."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    return osp.join(REPO_ROOT, cfg.model.teacher_cache.dir)


def ensure_cache(cache_dir: str, views: int, teacher_ckpt: str) -> dict:
    """Build the full cache (resuming an interrupted build) unless a
    complete one is there; return what the build took."""
    from mmengine.config import Config
    from mmpose_kd.cache import build_teacher_cache
    from mmpose_kd.cache.store import read_manifest
    manifest_file = osp.join(cache_dir, 'manifest.json')
    if osp.isfile(manifest_file):
        manifest = read_manifest(cache_dir)
        if manifest.get('complete'):
            print(f'reusing the complete cache {cache_dir}', flush=True)
            return dict(reused=True)
    cfg = Config.fromfile(osp.join(REPO_ROOT, LIVE))
    start = time.perf_counter()
    cache = build_teacher_cache(cfg, cache_dir, views,
                                teacher_ckpt=teacher_ckpt, heatmaps=True,
                                resume=osp.isfile(manifest_file))
    return dict(reused=False, seconds=time.perf_counter() - start,
                size_mb=cache.size_bytes() / 1e6,
                instances=cache.num_instances, views=cache.num_views)


def plan(seeds: Sequence[int], epochs: int, cache_dir: str,
         teacher_ckpt: str, work_root: str):
    """Both recipes at every seed, the cached one pointed at ``cache_dir``
    (in the model and in its replay transform)."""
    from mmengine.config import Config
    runs = []
    for method in METHODS:
        config = osp.join(REPO_ROOT, method.config)
        options = epoch_options(config, epochs) + [
            f'model.teacher_ckpt={teacher_ckpt}']
        if method.config == CACHED:
            pipeline = Config.fromfile(config).train_dataloader.dataset.pipeline
            replay = next(i for i, t in enumerate(pipeline)
                          if t['type'].endswith('ReplayTeacherCacheView'))
            options += [
                f'model.teacher_cache.dir={cache_dir}',
                f'train_dataloader.dataset.pipeline.{replay}.cache_dir='
                f'{cache_dir}']
        stem = osp.splitext(osp.basename(config))[0]
        runs += [Run(method, seed, config,
                     osp.join(work_root, f'{stem}_seed{seed}'),
                     tuple([f'randomness.seed={seed}'] + options))
                 for seed in seeds]
    return runs


def summarize(runs) -> dict:
    """Per recipe its per-seed metrics and s/iter; the paired difference."""
    rows = {row['id']: dict(label=row['method'], config=row['config'],
                            seeds=row['seeds'], aps=row['aps'],
                            pcks=row['pcks'], step_s=row['step_s_per_seed'])
            for row in tabulate(runs, model_sizes=False)}
    live, cached = (rows[m.id] for m in METHODS)
    difference = {
        metric: paired_gain(cached[key], cached['seeds'], live[key],
                            live['seeds'])
        for metric, key in (('ap', 'aps'), ('pck', 'pcks'))}
    return dict(rows=rows, cached_minus_live=difference)


def format_report(result: dict) -> str:
    lines = markdown_table(
        ('recipe', 'seed', 'coco/AP', 'PCK@0.1', 's/iter'),
        ((row['label'], seed, f'{ap:.4f}', f'{pck:.4f}',
          '-' if step is None else f'{step:.3f}')
         for row in result['rows'].values()
         for seed, ap, pck, step in zip(row['seeds'], row['aps'],
                                        row['pcks'], row['step_s'])))
    lines.append('')
    for metric, gain in result['cached_minus_live'].items():
        if gain:
            lines.append(
                f'cached - live {metric.upper()}: {gain["mean"]:+.4f}, 95% '
                f'[{gain["low"]:+.4f}, {gain["high"]:+.4f}] over '
                f'{gain["n"]} paired seeds')
    build = result.get('build') or {}
    if build.get('seconds') is not None:
        lines.append(f'cache build: {build["instances"]} instances x '
                     f'{build["views"]} views + heatmaps in '
                     f'{build["seconds"]:.0f} s, {build["size_mb"]:.0f} MB')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--views', type=int, default=4)
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--reuse', action='store_true',
                        help='keep runs that already reached --epochs')
    parser.add_argument('--work-dir', default=osp.join(
        REPO_ROOT, 'work_dirs', 'teacher_cache_accuracy'))
    parser.add_argument('--out', default=None, help='JSON path')
    args = parser.parse_args(argv)
    if len(set(args.seeds)) < 2:
        parser.error('use at least 2 distinct seeds (a paired interval)')
    teacher = verified_teacher(osp.join(REPO_ROOT, SHIPPED_TEACHER))
    cache_dir = cache_dir_of(CACHED)
    build = ensure_cache(cache_dir, args.views, teacher)
    runs = plan(args.seeds, args.epochs, cache_dir, teacher,
                osp.abspath(args.work_dir))
    execute(runs, args.epochs, args.reuse, jobs=args.jobs)
    result = dict(summarize(runs), build=build, epochs=args.epochs)
    report = format_report(result)
    print(report)
    if args.out:
        write_result_files(args.out, result, report)
    return result
