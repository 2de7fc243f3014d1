"""Training-step cost in float32, bfloat16 and bfloat16 + channels-last.

For each method of the main job and the benchmark (the regression student
alone, TCD, TCD + feature KD, OCD, the heatmap student alone, integral IKD),
one process builds the recipe's model once from its shipped config, copies
it into the three precision modes (the same weights in each) and times the
full train step (forward, backward, Adam update) on the same batch of the
recipe's own training data, interleaved round by round with the order
rotating (so a slow round slows every mode and cancels out of the paired
ratios):

- ``fp32``: MMEngine's ``OptimWrapper``;
- ``bf16``: :class:`~mmpose_kd.engine.CPUAmpOptimWrapper` (what
  ``tools/train.py --amp`` uses on a CPU with native bfloat16);
- ``bf16-cl``: the same with channels-last model and inputs
  (:func:`~mmpose_kd.engine.hooks.channels_last_hook.to_channels_last`,
  what ``--channels-last`` does).

Speed-ups are paired: the median over rounds of each round's
``fp32 / mode`` time ratio, with the 2.5-97.5% range of its bootstrap.

``python tools/analysis/precision_steps.py [--threads 1] [--rounds 20]``
"""
import argparse
import copy
import os.path as osp
import statistics
from typing import Dict, Optional, Sequence

import torch

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .benchmark_steps import machine, paired_ratio, time_steps, timed_call
from .result_files import write_result_files

#: Method id -> (label, shipped config).
METHODS = {
    'reg_alone': ('regression student alone',
                  'configs/quickstart/td-reg_res18-w16_synthetic-128x96.py'),
    'tcd': ('TCD', 'configs/quickstart/'
            'tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'),
    'tcd_feat': ('TCD + feature KD (main job)', 'configs/quickstart/'
                 'tcd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'),
    'ocd': ('OCD', 'configs/crd/ocd_reg-res18-w16_synthetic-128x96.py'),
    'hm_alone': ('heatmap student alone',
                 'configs/ikd/td-hm_res18-w18_synthetic-128x96.py'),
    'ikd_integral': ('integral IKD', 'configs/ikd/'
                     'ikd-integral_hm-res18-w32_hm-res18-w18_'
                     'synthetic-128x96.py'),
}
MODES = ('fp32', 'bf16', 'bf16-cl')
REFERENCE = 'fp32'


def _batch(cfg, batch_size: int) -> dict:
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    return pseudo_collate([dataset[i] for i in range(batch_size)])


class PrecisionBench:
    """Every (method, mode) train step (the interface of
    :func:`benchmark_harness.benchmark_steps.time_steps`)."""

    def __init__(self, methods: Sequence[str], batch_size: int):
        import mmpose_kd  # noqa: F401
        from mmengine.config import Config
        from mmengine.logging import MMLogger
        from mmengine.optim import OptimWrapper
        from mmengine.registry import init_default_scope
        from mmpose.registry import MODELS
        from mmpose_kd.engine import CPUAmpOptimWrapper
        from mmpose_kd.engine.hooks.channels_last_hook import \
            to_channels_last
        init_default_scope('mmpose')
        logger = MMLogger.get_current_instance()
        logger.setLevel('WARNING')  # init_weights logs every parameter
        self.device = torch.device('cpu')
        self.steps = {}
        for method in methods:
            cfg = Config.fromfile(osp.join(REPO_ROOT, METHODS[method][1]))
            data = _batch(cfg, batch_size)
            torch.manual_seed(0)
            model = MODELS.build(copy.deepcopy(cfg.model))
            model.init_weights()
            lr = cfg.optim_wrapper.optimizer.get('lr', 1e-3)
            for mode in MODES:
                copy_ = copy.deepcopy(model).train()
                if mode == 'bf16-cl':
                    to_channels_last(copy_)
                params = [p for p in copy_.parameters() if p.requires_grad]
                optimizer = torch.optim.Adam(params, lr=lr)
                wrapper = OptimWrapper(optimizer=optimizer) \
                    if mode == REFERENCE else \
                    CPUAmpOptimWrapper(optimizer=optimizer)
                self.steps[f'{method}/{mode}'] = (
                    lambda m=copy_, w=wrapper, d=data:
                    m.train_step(copy.copy(d), w))

    def run(self, name: str) -> float:
        return timed_call(self.steps[name], self.device)


def summarize(times: Dict[str, list], methods: Sequence[str]) -> dict:
    rows = {}
    for method in methods:
        ref = times[f'{method}/{REFERENCE}']
        row = dict(label=METHODS[method][0], config=METHODS[method][1])
        for mode in MODES:
            own = times[f'{method}/{mode}']
            row[f'{mode}_ms'] = statistics.median(own) * 1e3
            if mode != REFERENCE:
                row[f'{mode}_speedup'] = paired_ratio(ref, own)
        rows[method] = row
    return rows


def format_table(rows: dict, setting: dict) -> str:
    def speedup(value):
        return (f'{value["median"]:.2f}x ({value["low"]:.2f}-'
                f'{value["high"]:.2f})')

    lines = [f'batch {setting["batch"]}, 128x96 input, '
             f'{setting["rounds"]} '
             f'interleaved rounds, {setting["machine"]}', '']
    lines += markdown_table(
        ('method', 'fp32 (ms)', 'bf16 (ms)', 'bf16 + channels-last (ms)',
         'bf16 speed-up', 'bf16 + channels-last speed-up'),
        ((row['label'], f'{row["fp32_ms"]:.1f}', f'{row["bf16_ms"]:.1f}',
          f'{row["bf16-cl_ms"]:.1f}', speedup(row['bf16_speedup']),
          speedup(row['bf16-cl_speedup'])) for row in rows.values()))
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (1: as each of the benchmark\'s '
                        'two parallel trainings has)')
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--out', default=osp.join(
        REPO_ROOT, 'benchmarks', 'precision_steps_cpu.json'))
    args = parser.parse_args(argv)
    from mmpose_kd.utils.precision import cpu_bf16_supported
    if not cpu_bf16_supported():
        parser.error('this CPU has no native bfloat16 (avx512_bf16 / '
                     'amx_bf16): there is no bf16 speed to measure.')
    torch.set_num_threads(args.threads)
    print(f'building {len(args.methods)} methods x {len(MODES)} modes '
          f'({machine()})', flush=True)
    bench = PrecisionBench(args.methods, args.batch)
    times = time_steps(bench, args.rounds, args.warmup)
    setting = dict(batch=args.batch, threads=args.threads,
                   rounds=args.rounds, machine=machine())
    rows = summarize(times, args.methods)
    table = format_table(rows, setting)
    print(table)
    write_result_files(args.out, dict(setting=setting, rows=rows,
                                      times_s=times), table)
    return rows


if __name__ == '__main__':
    main()
