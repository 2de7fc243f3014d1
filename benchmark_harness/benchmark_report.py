"""The benchmark report: what each method buys (accuracy) and costs (time,
memory, size), in one JSON, one Markdown table and one PNG.

Inputs are measured files, never typed-in numbers: the ablation results
(``tools/analysis/ablation.py ikd|crd`` -> ``<group>_results.json``), the
teacher's metrics (``tools/test.py ... --out``-style JSON or a work dir's
last validation), and the step benchmark's JSON
(``tools/analysis/benchmark_steps.py --out``). Targets from the Benchmark
issue are checked and printed as met / not met.
"""
import argparse
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence

from mmpose_kd.utils.markdown import markdown_table
from .benchmark_steps import CHEAP_TEACHER_METHODS, paired_cell
from .methods import (BASELINE_GROUP, BY_ID, GROUP_ORDER, PAIR_GROUPS,
                      group_methods, method_id)

GAP_TARGET = 0.60  # TCD and integral IKD close >= 60% of the gap
AP_GAP_TARGET = 0.50  # OCD, TCD, integral IKD close >= 50% of the AP gap
#: The methods the AP-gap target applies to (the regime issue).
AP_GAP_METHODS = ('crd.ocd', 'crd.tcd', 'ikd.integral')
OCD_AP_GAIN_TARGET = 0.10  # +10 AP (COCO, the paper)
KD_RATIO_TARGET = 1.02
CHEAP_TEACHER_TARGET = 0.90


def gap_closed(value: float, student: float, teacher: float) -> Optional[float]:
    """Share of the teacher-student gap a method closes (None if no gap)."""
    gap = teacher - student
    if abs(gap) < 1e-9:
        return None
    return (value - student) / gap


BF16_AP_TOLERANCE = 0.003  # "AP within 0.3" (AP in [0, 1])


def paired_gain(values: Sequence[float], seeds: Sequence[int],
                base_values: Sequence[float], base_seeds: Sequence[int]
                ) -> Optional[dict]:
    """Mean of the per-seed differences ``value - baseline`` over the
    seeds both were run with, and its 95% Student-t interval.

    Pairing by seed removes the between-seed variance of the student's
    initial weights and data order, which is what the interval is about.
    Returns None when fewer than two seeds are shared.
    """
    from scipy import stats
    base = dict(zip(base_seeds, base_values))
    diffs = [v - base[s] for v, s in zip(values, seeds) if s in base]
    if len(diffs) < 2:
        return None
    n = len(diffs)
    mean = statistics.mean(diffs)
    half = float(stats.t.ppf(0.975, n - 1)) * statistics.stdev(diffs) \
        / n ** 0.5
    return dict(mean=mean, low=mean - half, high=mean + half, n=n,
                diffs=diffs)


#: The DWPose pair's mmpose_kd recipes held to DWPoseDistiller: the one
#: with mmpose_kd's defaults, and the one that also runs the teacher's BN
#: and initialises the connector as DWPoseDistiller does.
PAIR_RECIPES = (
    ('dwpose-pair.mmpose-kd', 'same losses, same pair'),
    ('dwpose-pair.mmpose-kd-dwpose-init',
     'same losses, teacher BN and connector init as DWPose'),
)


def baseline_of(method: Optional[str]) -> Optional[str]:
    """The id a method's gain is measured against: its own
    :attr:`.methods.Method.baseline`, else the first method (the student
    alone) of its group or of the group its group borrows a baseline from
    (BASELINE_GROUP); None for an unknown id."""
    known = BY_ID.get(method)
    if known is None:
        return None
    return known.baseline or group_methods(
        BASELINE_GROUP.get(known.group, known.group))[0].id


def accuracy_rows(groups: Dict[str, List[dict]],
                  teacher: Dict[str, float],
                  pair_teacher: Optional[Dict[str, float]] = None
                  ) -> List[dict]:
    """Rows per method with AP/PCK mean and spread, the paired gain over its
    baseline and the share of the teacher-baseline gap it closes. The
    baseline is the method's own (:attr:`.methods.Method.baseline`), else
    its group's student alone (:func:`baseline_of`); results without a
    known id take their group's first row. A baseline without results
    leaves its methods' rows without gains."""
    rows = []
    by_id = {result.get('id') or method_id(group, result['method']): result
             for group, results in groups.items() for result in results}
    for group, results in groups.items():
        baseline_group = groups.get(BASELINE_GROUP.get(group, group)) or [None]
        group_teacher = (pair_teacher or {}) if group in PAIR_GROUPS \
            else teacher
        for result in results:
            row_id = result.get('id') or method_id(group, result['method'])
            baseline_id = baseline_of(row_id)
            # a known baseline that did not run gives no gain (never
            # another method's); results without ids: the group's first row
            baseline = by_id.get(baseline_id) if baseline_id \
                else baseline_group[0]
            row = dict(id=row_id, baseline_id=baseline_id,
                       group=group, method=result['method'],
                       config=result['config'], params=result['params'],
                       train_params=result.get('train_params'),
                       flops=result.get('flops'),
                       ap=result['mean'], ap_spread=result['spread'],
                       pck=result.get('pck_mean'),
                       pck_spread=result.get('pck_spread'),
                       seeds=len(result['aps']),
                       baseline=baseline and baseline['method'],
                       step_s=result.get('step_s'),
                       peak_memory_mb=result.get(
                           'cuda_memory_mb', result.get('peak_rss_mb')))
            rows.append(row)
            if baseline is None:
                continue
            if 'coco/AP' in group_teacher:
                row['ap_gap_closed'] = gap_closed(
                    result['mean'], baseline['mean'],
                    group_teacher['coco/AP'])
            if row['pck'] is not None and 'PCK' in group_teacher:
                row['pck_gap_closed'] = gap_closed(
                    row['pck'], baseline['pck_mean'], group_teacher['PCK'])
            if result is not baseline and 'seeds' in result \
                    and 'seeds' in baseline:
                for metric, key in (('ap', 'aps'), ('pck', 'pcks')):
                    row[f'{metric}_gain'] = paired_gain(
                        result[key], result['seeds'], baseline[key],
                        baseline['seeds'])
    return rows


def paired_note(row: dict) -> str:
    """The paired ratio and its bootstrap range, when measured."""
    cell = paired_cell(row)
    return '' if cell == '-' else f'paired per-round ratio {cell}'


def check_targets(rows: List[dict], steps: Optional[dict]) -> List[dict]:
    """The issue's targets, each with the measured value and met/not met."""
    by_id = {r.get('id'): r for r in rows}
    checks = []

    def add(name, value, met, note=''):
        checks.append(dict(target=name, value=value, met=met, note=note))

    ocd = by_id.get('crd.ocd')
    alone = by_id.get('crd.student-alone')
    if ocd and alone:
        gain = ocd['ap'] - alone['ap']
        add('OCD >= +10 AP over the regression student alone', gain,
            gain >= OCD_AP_GAIN_TARGET)
    for key in AP_GAP_METHODS:
        row = by_id.get(key)
        closed = row and row.get('ap_gap_closed')
        if closed is not None:
            add(f'{row["method"]} closes >= 50% of the teacher-student AP '
                'gap', closed, closed >= AP_GAP_TARGET)
        gain = row and row.get('ap_gain')
        if gain:
            add(f'{row["method"]}: 95% interval of the paired AP gain '
                'excludes zero (low end)', gain['low'], bool(gain['low'] > 0),
                note=f'{gain["n"]} seeds, mean {gain["mean"]:+.4f}')
    for key in ('crd.tcd', 'ikd.integral'):
        row = by_id.get(key)
        if row:
            for metric in ('ap', 'pck'):
                closed = row.get(f'{metric}_gap_closed')
                if closed is not None:
                    add(f'{row["method"]} closes >= 60% of the teacher-'
                        f'student {metric.upper()} gap', closed,
                        closed >= GAP_TARGET)
    bf16 = by_id.get('ikd.integral-bf16-teacher')
    fp32 = by_id.get('ikd.integral')
    if bf16 and fp32:
        delta = bf16['ap'] - fp32['ap']
        add('bf16 teacher: AP within 0.3 (0.003) of the fp32-teacher run',
            delta, abs(delta) <= BF16_AP_TOLERANCE)
    theirs_pair = by_id.get('dwpose-pair.dwpose-distiller')
    for key, what in PAIR_RECIPES:
        ours_pair = by_id.get(key)
        if not (ours_pair and theirs_pair):
            continue
        for metric in ('ap', 'pck'):
            if ours_pair[metric] is None or theirs_pair[metric] is None:
                continue
            delta = ours_pair[metric] - theirs_pair[metric]
            spread = max(ours_pair[f'{metric}_spread'],
                         theirs_pair[f'{metric}_spread'])
            add(f'{what}: {metric.upper()} of mmpose_kd - '
                f'{metric.upper()} of DWPoseDistiller (>= -spread)', delta,
                delta >= -spread)
    if steps:
        ours = steps['steps'].get('ours', {})
        if 'kd_ratio' in ours:
            add('KD step <= 1.02 x (student step + teacher no-grad forward)',
                ours['kd_ratio'], ours['kd_ratio'] <= KD_RATIO_TARGET,
                note=paired_note(ours))
        logit_only = steps['steps'].get('ours_logit_only', {})
        if 'kd_ratio' in logit_only:
            add('wrapper overhead: logit-only KD step <= 1.02 x (student '
                'step + teacher no-grad forward)', logit_only['kd_ratio'],
                logit_only['kd_ratio'] <= KD_RATIO_TARGET,
                note=paired_note(logit_only))
        if 'vs_dwpose' in ours:
            add('faster than DWPoseDistiller on the same pair',
                ours['vs_dwpose'], ours['vs_dwpose'] < 1.0)
        cheap = [(k, v['kd_ratio']) for k, v in steps['steps'].items()
                 if k in CHEAP_TEACHER_METHODS and 'kd_ratio' in v]
        if cheap:
            best_name, best = min(cheap, key=lambda kv: kv[1])
            add('cheaper teacher: KD step <= 0.9 x (student + fp32 teacher)',
                best, best <= CHEAP_TEACHER_TARGET, note=best_name)
    return checks


def gain_cell(gain: Optional[dict]) -> str:
    """``+0.0123 [+0.0050, +0.0196]``, or ``-`` for the student alone."""
    if not gain:
        return '-'
    return f'{gain["mean"]:+.4f} [{gain["low"]:+.4f}, {gain["high"]:+.4f}]'


def format_markdown(rows: List[dict], teacher: Dict[str, float],
                    steps: Optional[dict], checks: List[dict],
                    pair_teacher: Optional[Dict[str, float]] = None) -> str:
    def num(value, fmt='{:.4f}'):
        return '-' if value is None else fmt.format(value)

    lines = ['### Accuracy on the default data', '',
             f'Teacher: AP {num(teacher.get("coco/AP"))}, PCK@0.1 '
             f'{num(teacher.get("PCK"))}' + (
                 f'; SimCC pair teacher: AP '
                 f'{num(pair_teacher.get("coco/AP"))}, PCK@0.1 '
                 f'{num(pair_teacher.get("PCK"))}' if pair_teacher else '')
             + '.', '']

    def scaled(value, scale=1e-6):
        return None if value is None else value * scale

    lines += markdown_table(
        ('group', 'method', 'gain over', 'AP (+/-)', 'AP gain [95%]',
         'AP gap closed', 'PCK@0.1 (+/-)', 'PCK gain [95%]',
         'PCK gap closed', 'seeds'),
        ((r['group'], r['method'],
          '-' if r['baseline'] in (None, r['method']) else r['baseline'],
          f'{num(r["ap"])} ({num(r["ap_spread"])})',
          gain_cell(r.get('ap_gain')),
          num(r.get('ap_gap_closed'), '{:.0%}'),
          f'{num(r["pck"])} ({num(r["pck_spread"])})',
          gain_cell(r.get('pck_gain')),
          num(r.get('pck_gap_closed'), '{:.0%}'), r['seeds'])
         for r in rows))
    lines += ['', '(+/-): half the range over seeds. Gain: the mean over '
              'seeds of (method - the run it is a gain over) on the same '
              'seed, '
              'with its 95% Student-t interval. Gap closed: mean gain / '
              '(teacher - baseline).', '', '### Model and training '
              'costs', '']
    lines += markdown_table(
        ('group', 'method', 'deployed params (M)', 'train-time params (M)',
         'deployed MFLOPs', 's/iter', 'peak memory (MB)'),
        ((r['group'], r['method'], f'{r["params"] / 1e6:.3f}',
          num(scaled(r.get('train_params')), '{:.3f}'),
          num(scaled(r.get('flops')), '{:.1f}'),
          num(r.get('step_s'), '{:.3f}'),
          num(r.get('peak_memory_mb'), '{:.0f}'))
         for r in rows))
    lines += ['', 's/iter: median logged seconds per training iteration '
              '(data loading included, mean over seeds); peak memory: '
              'CUDA peak allocated on a GPU, else the training process\'s '
              'peak RSS (largest over seeds).']
    if steps:
        setting = steps['setting']
        lines += ['', '### Training step cost', '',
                  f'{setting["height"]}x{setting["width"]}, batch '
                  f'{setting["batch"]}, {setting["device"]}, '
                  f'{setting["machine"]}; medians of {setting["rounds"]} '
                  'interleaved rounds.', '']
        lines += markdown_table(
            ('step', 'median (s)', 'KD ratio', 'paired ratio, 95%',
             'vs DWPose', 'peak memory (MB)'),
            ((name, num(row.get('median_s'), '{:.3f}'),
              num(row.get('kd_ratio'), '{:.3f}'), paired_cell(row),
              num(row.get('vs_dwpose'), '{:.3f}'),
              num(row.get('peak_memory_mb'), '{:.0f}'))
             for name, row in steps['steps'].items()))
    lines += ['', '### Targets', ''] + markdown_table(
        ('target', 'measured', 'met'),
        ((check['target'] + (f' ({check["note"]})' if check['note'] else ''),
          f'{check["value"]:.3f}', 'yes' if check['met'] else '**no**')
         for check in checks))
    return '\n'.join(lines) + '\n'


def plot(rows: List[dict], teacher: Dict[str, float], out_file: str) -> str:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, metric, label in ((axes[0], 'ap', 'COCO AP'),
                              (axes[1], 'pck', 'PCK@0.1')):
        for group, marker in (('ikd', 'o'), ('crd', 's'),
                              ('ikd-bf16-teacher', 'D'),
                              ('dwpose-pair', '^')):
            for r in (r for r in rows if r['group'] == group):
                if r[metric] is None:
                    continue
                ax.errorbar(r['params'] / 1e6, r[metric],
                            yerr=r[f'{metric}_spread'], fmt=marker,
                            capsize=3)
                ax.annotate(r['method'], (r['params'] / 1e6, r[metric]),
                            fontsize=6, xytext=(3, 3),
                            textcoords='offset points')
        key = 'coco/AP' if metric == 'ap' else 'PCK'
        if key in teacher:
            ax.axhline(teacher[key], ls='--', c='gray', lw=1)
            ax.text(ax.get_xlim()[0], teacher[key], ' teacher', fontsize=7,
                    va='bottom', color='gray')
        ax.set_xlabel('deployed params (M)')
        ax.set_ylabel(label)
    fig.tight_layout()
    fig.savefig(out_file, dpi=110)
    plt.close(fig)
    return out_file


def load_teacher_metrics(path: str) -> Dict[str, float]:
    """A JSON of metrics (``tools/test.py`` prints one), or a work dir;
    ``''``: no teacher (no gap is computed)."""
    if not path:
        return {}
    if osp.isdir(path):
        from .quickstart import last_metrics
        return last_metrics(path)
    with open(path) as f:
        metrics = json.load(f)
    return {k.split('/', 1)[1] if k.startswith('test/') else k: v
            for k, v in metrics.items()}


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ablation-dir', required=True,
                        help='holds ikd_results.json / crd_results.json')
    parser.add_argument('--teacher-metrics', required=True,
                        help='teacher metrics JSON, or its work dir')
    parser.add_argument('--pair-teacher-metrics', default=None,
                        help='metrics JSON or work dir of the SimCC teacher')
    parser.add_argument('--steps', default=None,
                        help='JSON of tools/analysis/benchmark_steps.py')
    parser.add_argument('--out-dir', default='benchmarks')
    args = parser.parse_args(argv)
    groups = {}
    for group in GROUP_ORDER:
        path = osp.join(args.ablation_dir, f'{group}_results.json')
        if osp.isfile(path):
            with open(path) as f:
                groups[group] = json.load(f)
    if not groups:
        parser.error(f'no ikd_results.json / crd_results.json in '
                     f'{args.ablation_dir!r}')
    teacher = load_teacher_metrics(args.teacher_metrics)
    steps = None
    if args.steps:
        with open(args.steps) as f:
            steps = json.load(f)
    pair_teacher = load_teacher_metrics(args.pair_teacher_metrics) \
        if args.pair_teacher_metrics else None
    rows = accuracy_rows(groups, teacher, pair_teacher)
    checks = check_targets(rows, steps)
    os.makedirs(args.out_dir, exist_ok=True)
    result = dict(teacher=teacher, pair_teacher=pair_teacher, accuracy=rows,
                  steps=steps, targets=checks)
    with open(osp.join(args.out_dir, 'results.json'), 'w') as f:
        json.dump(result, f, indent=2)
    table = format_markdown(rows, teacher, steps, checks, pair_teacher)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(table)
    plot(rows, teacher, osp.join(args.out_dir, 'ap_vs_params.png'))
    print(table)
    return result


if __name__ == '__main__':
    main()
