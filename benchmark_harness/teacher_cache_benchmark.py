"""What a teacher cache costs and saves, measured side by side in one process.

1. Builds a cache of the live TCD recipe's teacher over the first N
   training instances with K views (the recipe's pipeline, the shipped
   teacher) and reports its build time and size per 1,000 instances (all K
   views) and per 1,000 instance-views.
2. Times, in interleaved rounds on one batch of replayed samples (the same
   crops for all three), with one student initialisation:
   ``alone`` (the student's own train step), ``cached`` (the cached-TCD
   distiller's, no teacher) and ``live`` (the live-TCD distiller's, teacher
   forward included); reports the medians, the ratios of medians
   cached/alone and live/alone, and the median of the per-round ratios with
   a 95% bootstrap interval.
3. Derives where the cache breaks even: the build cost over the time a
   cached step saves against a live one, in steps, epochs of the full
   training set and student runs of ``--run-epochs`` epochs.

Train steps exclude data loading (both variants run the same pipeline
apart from the random transforms vs. their replay). The command line is
``tools/analysis/teacher_cache_benchmark.py``; see docs/teacher_cache.md.
"""
import argparse
import copy
import math
import os.path as osp
import shutil
import statistics
import time
from typing import Optional, Sequence

import torch

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .benchmark_steps import machine, paired_ratio, time_steps, timed_call
from .quiet_init import init_weights_quietly
from .result_files import write_result_files

LIVE = 'configs/quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
CACHED = ('configs/crd/'
          'tcd-cached_hm-res18-w32_reg-res18-w16_synthetic-128x96.py')
TEACHER = 'checkpoints/quickstart_teacher_fp16.pth'
STEPS = ('alone', 'cached', 'live')


def load_configs(args):
    """The live and cached recipes, with the options and the cache dir."""
    from mmengine.config import Config
    live, cached = (Config.fromfile(osp.join(REPO_ROOT, p))
                    for p in (args.live_config, args.cached_config))
    for cfg in (live, cached):
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        cfg.model.teacher_ckpt = args.teacher_ckpt
    cached.model.teacher_cache.dir = args.cache_dir
    for transform in cached.train_dataloader.dataset.pipeline:
        if transform['type'].endswith('ReplayTeacherCacheView'):
            transform.update(cache_dir=args.cache_dir, view=0)
    return live, cached


def measure_build(live_cfg, args) -> dict:
    import mmpose_kd  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    from mmpose_kd.cache import build_teacher_cache
    # Generate the default data (first use) outside the timed build.
    init_default_scope('mmpose')
    DATASETS.build(copy.deepcopy(live_cfg.train_dataloader.dataset))
    shutil.rmtree(args.cache_dir, ignore_errors=True)
    start = time.perf_counter()
    cache = build_teacher_cache(
        live_cfg, args.cache_dir, args.views, heatmaps=args.heatmaps,
        batch_size=args.build_batch, num_workers=args.build_workers,
        max_instances=args.instances, device=args.device)
    seconds = time.perf_counter() - start
    size = cache.size_bytes()
    n, k = cache.num_instances, cache.num_views
    return dict(
        instances=n, views=k, heatmaps=cache.has_heatmaps, seconds=seconds,
        size_mb=size / 1e6,
        seconds_per_1000_instances=seconds * 1000 / n,
        seconds_per_1000_instance_views=seconds * 1000 / (n * k),
        mb_per_1000_instances=size / 1e6 * 1000 / n,
        mb_per_1000_instance_views=size / 1e6 * 1000 / (n * k),
        dataset_instances=cache.manifest['fingerprint']['dataset'][
            'num_instances'])


class StepBench:
    """The three train steps on one batch (the interface of
    :func:`benchmark_harness.benchmark_steps.time_steps`)."""

    def __init__(self, live_cfg, cached_cfg, batch_size: int, device: str):
        import mmpose_kd  # noqa: F401
        from mmengine.dataset import pseudo_collate
        from mmengine.optim import OptimWrapper
        from mmengine.registry import init_default_scope
        from mmpose.registry import DATASETS, MODELS
        from mmpose_kd.model_parts.model_config import \
            resolve_model_cfg
        init_default_scope('mmpose')
        self.device = torch.device(device)
        dataset = DATASETS.build(cached_cfg.train_dataloader.dataset)
        self.data = pseudo_collate([dataset[i] for i in range(batch_size)])
        torch.manual_seed(0)
        student = MODELS.build(resolve_model_cfg(live_cfg.model.student,
                                                 'student'))
        init_weights_quietly(student)
        self.models = dict(alone=student,
                           cached=MODELS.build(copy.deepcopy(
                               cached_cfg.model)),
                           live=MODELS.build(copy.deepcopy(live_cfg.model)))
        self.steps = {}
        lr = live_cfg.optim_wrapper.optimizer.get('lr', 1e-3)
        for name in STEPS:
            model = self.models[name]
            if name != 'alone':
                model.student.load_state_dict(student.state_dict())
            model.to(self.device).train()
            optim = OptimWrapper(optimizer=torch.optim.Adam(
                [p for p in model.parameters() if p.requires_grad], lr=lr))
            self.steps[name] = (lambda model=model, optim=optim:
                                model.train_step(copy.copy(self.data), optim))

    def run(self, name: str) -> float:
        return timed_call(self.steps[name], self.device)


def summarize(times, build, batch_size: int, run_epochs: int) -> dict:
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratios = {}
    for name in ('cached', 'live'):
        paired = paired_ratio(times[name], times['alone'])
        ratios[f'{name}/alone'] = dict(
            ratio_of_medians=medians[name] / medians['alone'], **paired)
    saving = medians['live'] - medians['cached']
    steps_per_epoch = math.ceil(build['dataset_instances'] / batch_size)
    # The build of a full cache: the measured cost per instance-view.
    full_build = build['seconds_per_1000_instance_views'] / 1000 * \
        build['dataset_instances'] * build['views']
    even = {}
    if saving > 0:
        steps = full_build / saving
        even = dict(full_build_s=full_build, steps=steps,
                    epochs=steps / steps_per_epoch,
                    runs=steps / steps_per_epoch / run_epochs,
                    run_epochs=run_epochs)
    return dict(medians_s=medians, ratios=ratios, saving_per_step_s=saving,
                steps_per_epoch=steps_per_epoch, break_even=even)


def format_report(result: dict) -> str:
    build, summary = result['build'], result['summary']
    lines = [
        f'{result["setting"]["machine"]}, batch {result["setting"]["batch"]}'
        f', {result["setting"]["rounds"]} interleaved rounds', '',
        f'cache build: {build["instances"]} instances x {build["views"]} '
        f'views{" + heatmaps" if build["heatmaps"] else ""} in '
        f'{build["seconds"]:.1f} s, {build["size_mb"]:.1f} MB',
        f'  per 1,000 instances (all views): '
        f'{build["seconds_per_1000_instances"]:.1f} s, '
        f'{build["mb_per_1000_instances"]:.1f} MB',
        f'  per 1,000 instance-views: '
        f'{build["seconds_per_1000_instance_views"]:.1f} s, '
        f'{build["mb_per_1000_instance_views"]:.1f} MB', '',
    ]
    lines += markdown_table(('step', 'median (s)'), (
        (name, f'{summary["medians_s"][name]:.4f}') for name in STEPS))
    lines.append('')
    lines += markdown_table(
        ('ratio', 'of medians', 'paired median (95% CI)'),
        ((name, f'{row["ratio_of_medians"]:.3f}',
          f'{row["median"]:.3f} ({row["low"]:.3f}-{row["high"]:.3f})')
         for name, row in summary['ratios'].items()))
    even = summary['break_even']
    lines.append('')
    if even:
        lines.append(
            f'break-even: a full cache ({build["dataset_instances"]} '
            f'instances x {build["views"]} views, ~{even["full_build_s"]:.0f}'
            f' s) pays for itself after {even["steps"]:.0f} cached steps = '
            f'{even["epochs"]:.2f} epochs = {even["runs"]:.2f} runs of '
            f'{even["run_epochs"]} epochs')
    else:
        lines.append('break-even: never (a cached step saved no time here)')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--live-config', default=LIVE)
    parser.add_argument('--cached-config', default=CACHED)
    parser.add_argument('--teacher-ckpt',
                        default=osp.join(REPO_ROOT, TEACHER))
    parser.add_argument('--instances', type=int, default=1000,
                        help='instances to cache (default 1000)')
    parser.add_argument('--views', type=int, default=4)
    parser.add_argument('--no-heatmaps', dest='heatmaps',
                        action='store_false',
                        help='keypoints only (the recipe needs heatmaps)')
    parser.add_argument('--build-batch', type=int, default=32)
    parser.add_argument('--build-workers', type=int, default=0)
    parser.add_argument('--batch', type=int, default=16,
                        help='train batch (the recipe\'s 16)')
    parser.add_argument('--rounds', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--run-epochs', type=int, default=3,
                        help='epochs of one student run (quick start: 3)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--work-dir',
                        default='work_dirs/teacher_cache_benchmark')
    parser.add_argument('--out', default=None, help='JSON path')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        action=_dict_action())
    args = parser.parse_args(argv)
    if args.batch > args.instances:
        parser.error('--batch must not exceed --instances (the batch is '
                     'made of cached instances)')
    if args.threads:
        torch.set_num_threads(args.threads)
    args.cache_dir = osp.join(args.work_dir, 'cache')
    live_cfg, cached_cfg = load_configs(args)
    print(f'building a cache of {args.instances} instances x {args.views} '
          f'views ({machine()})', flush=True)
    build = measure_build(live_cfg, args)
    print('\nbuilding the three models', flush=True)
    bench = StepBench(live_cfg, cached_cfg, args.batch, args.device)
    times = time_steps(bench, args.rounds, args.warmup)
    result = dict(
        setting=dict(batch=args.batch, rounds=args.rounds,
                     device=args.device, machine=machine(),
                     threads=torch.get_num_threads()),
        build=build, times_s=times,
        summary=summarize(times, build, args.batch, args.run_epochs))
    report = format_report(result)
    print(report)
    if args.out:
        write_result_files(args.out, result, report)
    return result


def _dict_action():
    from mmengine.config import DictAction
    return DictAction


if __name__ == '__main__':
    main()
