"""Where a distillation step spends the time its parts do not explain.

The KD ratio compares a distillation step with the student's own train step
plus the teacher's no-grad forward. This profiles the three with
``torch.profiler`` (CPU self time per operator, averaged per step) and lists
the operators whose time in the KD step exceeds their time in the two parts
together - the connector's convolutions, the distillation losses, the
wrapper's bookkeeping - so a ratio above 1 can be traced to its cause.

``python tools/analysis/profile_kd_step.py [--method ours] [--steps 5]``
"""
import argparse
from typing import Dict, List, Optional, Sequence

import torch

from mmpose_kd.utils.markdown import markdown_table
from .benchmark_steps import METHODS, Bench, machine


def op_self_times(bench: Bench, name: str, steps: int) -> Dict[str, float]:
    """Self CPU seconds per operator, averaged over ``steps`` calls."""
    from torch.profiler import ProfilerActivity, profile
    for _ in range(2):  # warm-up outside the profile (optimizer state...)
        bench.run(name)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            bench.steps[name]()
    return {event.key: event.self_cpu_time_total / 1e6 / steps
            for event in prof.key_averages()}


def excess_ops(kd: Dict[str, float], parts: Sequence[Dict[str, float]],
               top: int = 12) -> List[dict]:
    """Operators by how much longer they run in the KD step than in the
    parts together, largest first."""
    rows = []
    for op, seconds in kd.items():
        baseline = sum(part.get(op, 0.0) for part in parts)
        rows.append(dict(op=op, kd_s=seconds, parts_s=baseline,
                         excess_s=seconds - baseline))
    rows.sort(key=lambda row: row['excess_s'], reverse=True)
    return rows[:top]


def format_excess(rows: List[dict], totals: Dict[str, float],
                  method: str) -> str:
    reference = totals['student'] + totals['teacher_fwd']
    lines = [
        f'profiled self CPU time per step: {method} {totals[method]:.3f} s, '
        f'student {totals["student"]:.3f} s + teacher_fwd '
        f'{totals["teacher_fwd"]:.3f} s = {reference:.3f} s (profiled '
        f'ratio {totals[method] / reference:.3f})', ''
    ] + markdown_table(
        ('operator', f'{method} (ms)', 'student + teacher (ms)',
         'excess (ms)', 'excess / reference'),
        ((row['op'], f'{row["kd_s"] * 1e3:.1f}',
          f'{row["parts_s"] * 1e3:.1f}', f'{row["excess_s"] * 1e3:+.1f}',
          f'{row["excess_s"] / reference:+.2%}') for row in rows))
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--method', default='ours',
                        choices=[m for m in METHODS if m.startswith('ours')
                                 or m == 'dwpose'])
    parser.add_argument('--width', type=int, default=192)
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--top', type=int, default=12)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--out', default=None, help='Markdown file')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'building the models ({machine()})', flush=True)
    bench = Bench(args.width, args.height, args.batch,
                  methods=['student', 'teacher_fwd', args.method])
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]):
        bench.run('teacher_fwd')  # the profiler's own start-up, discarded
    per_op = {}
    for name in ('student', 'teacher_fwd', args.method):
        print(f'  profiling {name} ({args.steps} steps)', flush=True)
        per_op[name] = op_self_times(bench, name, args.steps)
    totals = {name: sum(ops.values()) for name, ops in per_op.items()}
    rows = excess_ops(per_op[args.method],
                      [per_op['student'], per_op['teacher_fwd']], args.top)
    table = format_excess(rows, totals, args.method)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(f'{args.height}x{args.width}, batch {args.batch}, '
                    f'{machine()}\n\n{table}\n')
    return dict(totals=totals, rows=rows)


if __name__ == '__main__':
    main()
