"""Training-step cost of distillation, side by side with DWPoseDistiller.

One process builds, on the same synthetic batch, an RTMCC (SimCC) pair -
ResNet-50 teacher, ResNet-18 student, as in the Benchmark issue's anchor -
and times, interleaved round by round (the order rotates every round), the
median wall time of:

- ``student``: the student's own train step (forward, backward, update);
- ``teacher_fwd``: the teacher's no-grad forward in eval mode (what our
  distiller runs), and ``teacher_fwd_train_bn`` with BN in train mode (what
  DWPoseDistiller runs, since its teacher is a registered submodule);
- ``ours``: :class:`PoseDistiller` with the DWPose losses
  (``FeatureDistillLoss`` with a 1x1 conv on the last backbone stage +
  ``SimCCLogitDistillLoss``), and ``ours_bf16`` / ``ours_channels_last``
  with the cheaper-teacher options;
- ``dwpose``: MMPose's ``DWPoseDistiller`` (``FeaLoss`` + ``KDLoss``);
- the ablation of ``ours``: ``ours_logit_only`` (the distiller with the
  SimCC logit loss only: no connector, so its KD ratio is the wrapper's own
  overhead) and ``connector`` (the feature loss alone - 1x1 conv forward,
  MSE, backward into the student feature, AdamW update - on tensors of the
  last stage's shapes: the compute the feature term adds).

Ratios: ``kd_ratio = step / (student + teacher_fwd)`` (ratio of medians, the
issue's definition), ``kd_ratio_paired`` (median over rounds of each round's
own ratio, with the 2.5-97.5% range of a bootstrap of that median: rounds
are interleaved, so a slow round slows all its steps and cancels out),
``kd_ratio_without_connector = (ours - connector) / (student +
teacher_fwd)`` and ``ours / dwpose``.
Peak memory: CUDA's max allocated per step on a GPU; on CPU each method runs
alone in a subprocess and its peak RSS is reported. The command line
(:func:`main`) is ``tools/analysis/benchmark.py``.
"""
import argparse
import copy
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .result_files import write_result_files

METHODS = ('student', 'teacher_fwd', 'teacher_fwd_train_bn', 'ours',
           'ours_bf16', 'ours_channels_last', 'dwpose', 'ours_logit_only',
           'connector')
STEP_METHODS = ('ours', 'ours_bf16', 'ours_channels_last', 'dwpose',
                'ours_logit_only')
#: Variants that make the teacher cheaper (the issue's "below the limit").
CHEAP_TEACHER_METHODS = ('ours_bf16', 'ours_channels_last')
ALPHA_FEA = 7e-5  # DWPose's FeaLoss weight
LOGIT_WEIGHT = 0.1  # DWPose's KDLoss weight


def rtmcc_model(depth: int, width: int, height: int) -> dict:
    """A top-down ResNet-``depth`` model with MMPose's RTMCC head."""
    channels = 2048 if depth >= 50 else 512
    codec = dict(type='SimCCLabel', input_size=(width, height),
                 sigma=(4.9, 5.66), simcc_split_ratio=2.0, normalize=False,
                 use_dark=False)
    return dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(
            type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ResNet', depth=depth),
        head=dict(
            type='RTMCCHead', in_channels=channels, out_channels=17,
            input_size=(width, height),
            in_featuremap_size=(-(-width // 32), -(-height // 32)),
            simcc_split_ratio=2.0, final_layer_kernel_size=7,
            gau_cfg=dict(hidden_dims=256, s=128, expansion_factor=2,
                         dropout_rate=0., drop_path=0., act_fn='SiLU',
                         use_rel_bias=False, pos_enc=False),
            loss=dict(type='KLDiscretLoss', use_target_weight=True,
                      beta=10., label_softmax=True),
            decoder=codec),
        test_cfg=dict(flip_test=False))


def synthetic_batch(batch_size: int, width: int, height: int,
                    seed: int = 0) -> dict:
    """Images and SimCC training labels, as MMPose's pipeline packs them."""
    from mmengine.structures import InstanceData
    from mmpose.codecs import SimCCLabel
    from mmpose.structures import PoseDataSample
    rng = np.random.default_rng(seed)
    codec = SimCCLabel(input_size=(width, height), sigma=(4.9, 5.66),
                       simcc_split_ratio=2.0, normalize=False, use_dark=False)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.from_numpy(
            rng.integers(0, 256, (3, height, width), dtype=np.uint8)))
        keypoints = rng.uniform([0, 0], [width - 1, height - 1], (1, 17, 2))
        visible = np.ones((1, 17), dtype=np.float32)
        labels = codec.encode(keypoints.astype(np.float32), visible)
        sample = PoseDataSample(metainfo=dict(input_size=(width, height)))
        sample.gt_instance_labels = InstanceData(
            keypoint_x_labels=torch.from_numpy(labels['keypoint_x_labels']),
            keypoint_y_labels=torch.from_numpy(labels['keypoint_y_labels']),
            keypoint_weights=torch.from_numpy(labels['keypoint_weights']))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def feature_loss_cfg(width: int, height: int) -> dict:
    """DWPose's feature term: 1x1 conv 512 -> 2048 on the last stage."""
    feature_size = 2048 * -(-width // 32) * -(-height // 32)
    return dict(
        type='mmpose_kd.FeatureDistillLoss',
        student_input='backbone', teacher_input='backbone',
        connector=dict(type='mmpose_kd.ConvConnector', in_channels=512,
                       out_channels=2048),
        # FeaLoss sums over C*H*W, ours averages: same strength
        loss_weight=ALPHA_FEA * feature_size)


def our_distiller_cfg(teacher: dict, student: dict, width: int, height: int,
                      feature: bool = True, **options) -> dict:
    losses = dict(loss_fea=feature_loss_cfg(width, height)) if feature \
        else {}
    losses['loss_logit'] = dict(type='mmpose_kd.SimCCLogitDistillLoss',
                                beta=10.0, loss_weight=LOGIT_WEIGHT)
    return dict(type='mmpose_kd.PoseDistiller', student=student,
                teacher=teacher, teacher_ckpt=None, distill_losses=losses,
                **options)


def dwpose_cfg(teacher: dict, student: dict, workdir: str) -> dict:
    from mmengine.config import Config
    paths = {}
    for role, model in (('teacher', teacher), ('student', student)):
        paths[role] = osp.join(workdir, f'{role}.py')
        Config(dict(model=model)).dump(paths[role])
    return dict(
        type='DWPoseDistiller', teacher_cfg=paths['teacher'],
        student_cfg=paths['student'],
        distill_cfg=[
            dict(methods=[dict(type='FeaLoss', name='loss_fea',
                               use_this=True, student_channels=512,
                               teacher_channels=2048, alpha_fea=ALPHA_FEA)]),
            dict(methods=[dict(type='KDLoss', name='loss_logit',
                               use_this=True, weight=LOGIT_WEIGHT)]),
        ],
        data_preprocessor=student['data_preprocessor'])


class Bench:
    """The models, optimizers and step callables of one benchmark setting."""

    def __init__(self, width: int, height: int, batch_size: int,
                 device: str = 'cpu', amp: bool = False,
                 methods: Sequence[str] = METHODS):
        import mmpose_kd  # noqa: F401
        from mmengine.logging import MessageHub
        from mmengine.optim import AmpOptimWrapper, OptimWrapper
        from mmengine.registry import init_default_scope
        from mmpose.registry import MODELS
        init_default_scope('mmpose')
        torch.manual_seed(0)
        self.device = torch.device(device)
        teacher_cfg = rtmcc_model(50, width, height)
        student_cfg = rtmcc_model(18, width, height)
        self.data = synthetic_batch(batch_size, width, height)
        hub = MessageHub.get_current_instance()
        hub.update_info('epoch', 0)
        hub.update_info('max_epochs', 10)

        def optim(model):
            params = [p for p in model.parameters() if p.requires_grad]
            optimizer = torch.optim.AdamW(params, lr=1e-4)
            if amp:
                return AmpOptimWrapper(optimizer=optimizer)
            return OptimWrapper(optimizer=optimizer)

        self.steps: Dict[str, Callable[[], object]] = {}
        self.models: Dict[str, torch.nn.Module] = {}
        self._tmp = tempfile.TemporaryDirectory()
        wanted = set(methods)
        if wanted & {'student'}:
            student = MODELS.build(student_cfg).to(self.device).train()
            self._add_train_step('student', student, optim(student))
        if wanted & {'teacher_fwd', 'teacher_fwd_train_bn'}:
            teacher = MODELS.build(teacher_cfg).to(self.device)
            teacher.requires_grad_(False)
            inputs = teacher.data_preprocessor(
                copy.copy(self.data), True)['inputs']

            def forward(train_bn, teacher=teacher, inputs=inputs):
                teacher.train(train_bn)
                with torch.no_grad(), self._autocast(amp):
                    return teacher._forward(inputs)

            if 'teacher_fwd' in wanted:
                self.steps['teacher_fwd'] = lambda: forward(False)
            if 'teacher_fwd_train_bn' in wanted:
                self.steps['teacher_fwd_train_bn'] = lambda: forward(True)
        variants = dict(ours={}, ours_bf16=dict(
            teacher_dtype='float16' if self.device.type == 'cuda' and amp
            else 'bfloat16'), ours_channels_last=dict(
                teacher_channels_last=True), ours_logit_only=dict(
                    feature=False))
        for name, options in variants.items():
            if name in wanted:
                distiller = MODELS.build(our_distiller_cfg(
                    teacher_cfg, student_cfg, width, height, **options))
                distiller.to(self.device).train()
                self._add_train_step(name, distiller, optim(distiller))
        if 'dwpose' in wanted:
            from mmengine.config import ConfigDict
            dwpose = MODELS.build(ConfigDict(dwpose_cfg(
                teacher_cfg, student_cfg, self._tmp.name)))
            dwpose.to(self.device).train()
            self._add_train_step('dwpose', dwpose, optim(dwpose))
        if 'connector' in wanted:
            self._add_connector_step(width, height, batch_size, optim, amp)

    def _autocast(self, amp):
        if amp and self.device.type == 'cuda':
            return torch.autocast('cuda', dtype=torch.float16)
        return torch.autocast(self.device.type, enabled=False)

    def _add_train_step(self, name, model, optim_wrapper):
        self.models[name] = model

        def step(model=model, optim_wrapper=optim_wrapper):
            return model.train_step(copy.copy(self.data), optim_wrapper)
        self.steps[name] = step

    def _add_connector_step(self, width, height, batch_size, optim, amp):
        """The feature term alone: what it adds to the student's step."""
        from mmpose.registry import MODELS
        cfg = feature_loss_cfg(width, height)
        del cfg['student_input'], cfg['teacher_input']  # taps: distiller's
        loss = MODELS.build(cfg).to(self.device)
        size = (-(-height // 32), -(-width // 32))
        student_feat = torch.randn(batch_size, 512, *size,
                                   device=self.device, requires_grad=True)
        teacher_feat = torch.randn(batch_size, 2048, *size,
                                   device=self.device)
        optim_wrapper = optim(loss)
        self.models['connector'] = loss

        def step():
            with optim_wrapper.optim_context(loss), self._autocast(amp):
                value = loss(student_feat, teacher_feat)
            # backward reaches the student feature, as in the real graph
            optim_wrapper.update_params(value)
            student_feat.grad = None
        self.steps['connector'] = step

    def run(self, name: str) -> float:
        """Seconds of one call of step ``name`` (synchronised on CUDA)."""
        return timed_call(self.steps[name], self.device)


def timed_call(step: Callable[[], object], device: torch.device) -> float:
    """Seconds of one call of ``step``, synchronised before and after on
    CUDA so that queued kernels are counted in the call they belong to."""
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    step()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def time_steps(bench: Bench, rounds: int, warmup: int = 2,
               progress: bool = True) -> Dict[str, List[float]]:
    """Interleaved timings: every round runs each step once; the order
    rotates by one method per round so none always runs first."""
    names = list(bench.steps)
    times = {name: [] for name in names}
    for index in range(warmup + rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            seconds = bench.run(name)
            if index >= warmup:
                times[name].append(seconds)
        if progress:
            done = max(index - warmup + 1, 0)
            print(f'\r  round {done}/{rounds}'
                  f'{" (warm-up)" if index < warmup else ""}   ', end='',
                  flush=True)
    if progress:
        print()
    return times


def peak_memory_mb(method: str, width: int, height: int, batch_size: int,
                   device: str, amp: bool) -> Optional[float]:
    """Peak memory of ``method`` alone: CUDA max allocated, or on CPU the
    peak RSS of a subprocess that runs only that method."""
    if device == 'cuda':
        bench = Bench(width, height, batch_size, device, amp, [method])
        torch.cuda.reset_peak_memory_stats()
        for _ in range(3):
            bench.run(method)
        return torch.cuda.max_memory_allocated() / 2**20
    cmd = [sys.executable, '-m', 'benchmark_harness.benchmark_steps',
           '--memory-probe', method, '--width', str(width), '--height',
           str(height), '--batch', str(batch_size)]
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            cwd=REPO_ROOT)
    for line in result.stdout.splitlines()[::-1]:
        if line.startswith('PEAK_RSS_MB '):
            return float(line.split()[1])
    raise RuntimeError(f'memory probe of {method} failed:\n'
                       f'{result.stdout[-3000:]}')


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the
    address space exec created; ``ru_maxrss`` would include the parent's
    peak, which a forked child inherits."""
    from .train_costs import vm_hwm_mb
    peak = vm_hwm_mb('self')
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def paired_ratio(step: Sequence[float], reference: Sequence[float],
                 resamples: int = 2000, seed: int = 0) -> dict:
    """Median of the per-round ratios ``step[i] / reference[i]`` and the
    2.5-97.5 percentiles of its bootstrap distribution."""
    ratios = np.asarray(step) / np.asarray(reference)
    rng = np.random.default_rng(seed)
    boot = np.median(rng.choice(ratios, (resamples, len(ratios))), axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    return dict(median=float(np.median(ratios)), low=float(low),
                high=float(high))


def summarize(times: Dict[str, List[float]]) -> Dict[str, dict]:
    medians = {k: statistics.median(v) for k, v in times.items()}
    rows = {}
    for name, median in medians.items():
        row = dict(median_s=median, rounds=len(times[name]),
                   iqr_s=float(np.subtract(*np.percentile(times[name],
                                                          [75, 25]))))
        if name in STEP_METHODS and 'student' in medians:
            reference = medians['student'] + medians['teacher_fwd']
            row['kd_ratio'] = median / reference
            paired = paired_ratio(times[name], np.add(
                times['student'], times['teacher_fwd']))
            row['kd_ratio_paired'] = paired['median']
            row['kd_ratio_paired_ci'] = [paired['low'], paired['high']]
            if name == 'ours' and 'connector' in medians:
                row['kd_ratio_without_connector'] = (
                    median - medians['connector']) / reference
            if name == 'dwpose' and 'teacher_fwd_train_bn' in medians:
                row['kd_ratio_vs_train_bn_teacher'] = median / (
                    medians['student'] + medians['teacher_fwd_train_bn'])
        if name.startswith('ours') and 'dwpose' in medians:
            row['vs_dwpose'] = median / medians['dwpose']
        rows[name] = row
    return rows


def paired_cell(row: dict) -> str:
    """``'ratio (low-high)'`` of the paired KD ratio, or ``'-'``."""
    if row.get('kd_ratio_paired') is None:
        return '-'
    low, high = row['kd_ratio_paired_ci']
    return f'{row["kd_ratio_paired"]:.3f} ({low:.3f}-{high:.3f})'


def format_table(rows: Dict[str, dict], setting: dict) -> str:
    lines = [
        f'{setting["height"]}x{setting["width"]}, batch {setting["batch"]}, '
        f'{setting["device"]}{" + AMP" if setting["amp"] else ""}, '
        f'{setting["threads"]} threads, medians of {setting["rounds"]} '
        'interleaved rounds', ''
    ]

    def cells(name, row):
        def cell(key, fmt='{:.3f}'):
            return fmt.format(row[key]) if row.get(key) is not None else '-'
        return (name, cell('median_s'), cell('iqr_s'), cell('kd_ratio'),
                paired_cell(row), cell('vs_dwpose'),
                cell('peak_memory_mb', '{:.0f}'))

    lines += markdown_table(
        ('step', 'median (s)', 'IQR (s)', 'KD ratio',
         'paired KD ratio (95% CI)', 'vs DWPose', 'peak memory (MB)'),
        (cells(name, row) for name, row in rows.items()))
    ours = rows.get('ours', {})
    if ours.get('kd_ratio_without_connector') is not None:
        lines += ['', f'ours without the connector\'s cost (ours - '
                  f'connector): KD ratio '
                  f'{ours["kd_ratio_without_connector"]:.3f}']
    return '\n'.join(lines)


def machine() -> str:
    return (f'{platform.machine()}, {os.cpu_count()} cores, torch '
            f'{torch.__version__}, {torch.get_num_threads()} threads')


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--width', type=int, default=192)
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'))
    parser.add_argument('--amp', action='store_true',
                        help='fp16 autocast + AmpOptimWrapper (CUDA)')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=METHODS)
    parser.add_argument('--no-memory', action='store_true')
    parser.add_argument('--out', default=None,
                        help='JSON path; a .md table is written beside it')
    parser.add_argument('--memory-probe', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.amp and args.device != 'cuda':
        parser.error('--amp needs --device cuda')
    if args.memory_probe:
        bench = Bench(args.width, args.height, args.batch,
                      methods=[args.memory_probe])
        for _ in range(3):
            bench.run(args.memory_probe)
        print(f'PEAK_RSS_MB {peak_rss_mb()}')
        return {}
    if 'student' in args.methods and 'teacher_fwd' not in args.methods:
        parser.error('the KD ratio needs both student and teacher_fwd')
    setting = dict(width=args.width, height=args.height, batch=args.batch,
                   device=args.device, amp=args.amp, rounds=args.rounds,
                   threads=torch.get_num_threads(), machine=machine())
    print(f'building the models ({machine()})', flush=True)
    bench = Bench(args.width, args.height, args.batch, args.device, args.amp,
                  args.methods)
    print(f'timing {len(bench.steps)} steps x {args.rounds} rounds',
          flush=True)
    rows = summarize(time_steps(bench, args.rounds, args.warmup))
    del bench
    if not args.no_memory:
        for name in rows:
            print(f'  peak memory of {name}', flush=True)
            rows[name]['peak_memory_mb'] = peak_memory_mb(
                name, args.width, args.height, args.batch, args.device,
                args.amp)
    table = format_table(rows, setting)
    print(table)
    result = dict(setting=setting, steps=rows)
    if args.out:
        write_result_files(args.out, result, table)
    return result


if __name__ == '__main__':
    main()
