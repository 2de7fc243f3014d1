"""The teacher-budget report: accuracy, gains, time to accuracy, curves.

For the runs of ``benchmark.py --budget`` that finished (a failed run is
left out, never guessed): per method its final AP, AP .5, AR and PCK@0.1
over the seeds, the paired gain over its baseline with a 95% interval and
the share of the teacher-baseline gap it closes
(:func:`.benchmark_report.accuracy_rows`), and its time to accuracy: when
it first reaches its baseline's final AP on the same seed, as a share of
the baseline's iterations and training seconds
(:mod:`.learning_curves`). One plot per group draws AP against iterations
for the students alone and distilled. The issue's targets are checked and
printed as met, or missed by how much.
"""
import copy
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT
from .ablation import Run, tabulate
from .benchmark_report import (AP_GAP_TARGET, accuracy_rows, gain_cell,
                               paired_gain)
from .epoch_budget import load_config
from .learning_curves import (LearningCurve, plot_group, read_curve,
                              summarize_time_to_accuracy, time_cell,
                              time_to_accuracy)
from .methods import BY_ID, DEFAULT_SELECTION, PAIR_GROUPS

#: The methods held to the papers' claims at the teacher's budget.
CLAIM_METHODS = ('crd.ocd', 'crd.tcd-feat', 'ikd.integral')
#: Time to accuracy: at most this share of the student-alone's iterations.
TIME_TARGET = 0.25
#: The downsized head + TCD against the full head it is cut from.
DOWNSIZED, FULL_HEAD = 'crd.downsized-tcd', 'crd.full-integral-alone'
HEAD_FLOPS_TARGET = 5.0
METRICS = (('ap', 'coco/AP'), ('ap50', 'coco/AP .5'), ('ar', 'coco/AR'),
           ('pck', 'PCK'))


def deployed_head_flops(config: str) -> int:
    """Head FLOPs of the model ``config`` deploys: the complexity tool's
    ``exported student`` row (an OCD head as its regression branch)."""
    from mmpose_kd.analysis.complexity import (build_model,
                                               exported_student,
                                               flop_counts, input_shape)
    cfg = copy.deepcopy(load_config(config))
    model = build_model(cfg)
    student = exported_student(cfg, model)
    return flop_counts(student, input_shape(cfg, model))[1]


def budget_rows(runs: Sequence[Run], curves: Dict[Run, LearningCurve],
                teacher: Dict[str, float],
                pair_teacher: Optional[Dict[str, float]] = None
                ) -> List[dict]:
    """One row per method of the finished ``runs``: means of
    :data:`METRICS`, paired gains and gap closed, and time to accuracy
    against its baseline, seed by seed (``curves``: each run's)."""
    groups: Dict[str, List[Run]] = {}
    for run in runs:
        groups.setdefault(run.method.group, []).append(run)
    tables = {group: tabulate(group_runs)
              for group, group_runs in groups.items()}
    rows = accuracy_rows(tables, teacher, pair_teacher)
    results = {result['id']: result for table in tables.values()
               for result in table}
    curves = {(run.method.id, run.seed): curves[run] for run in runs}
    for row in rows:
        result = results[row['id']]
        row.update(seed_list=result['seeds'], aps=result['aps'])
        for key, metric in METRICS:
            values = [m.get(metric) for m in result['metrics']]
            if None not in values:
                row[key] = statistics.mean(values)
        if row['baseline_id'] in (None, row['id']):
            continue
        per_seed = {seed: time_to_accuracy(curves[row['id'], seed],
                                           curves[row['baseline_id'], seed])
                    for seed in result['seeds']
                    if (row['baseline_id'], seed) in curves}
        if per_seed:
            row['time_to_accuracy'] = summarize_time_to_accuracy(per_seed)
        row['gain_by_epoch'] = gain_by_epoch(
            {seed: curves[row['id'], seed] for seed in result['seeds']},
            {seed: curves[row['baseline_id'], seed]
             for seed in result['seeds']
             if (row['baseline_id'], seed) in curves})
    return rows


def gain_by_epoch(runs: Dict[int, LearningCurve],
                  baselines: Dict[int, LearningCurve]) -> Dict[str, dict]:
    """``epoch -> paired AP gain`` (:func:`.paired_gain`, 2 seeds or more)
    at every epoch both a run and its baseline validated on a seed: where
    along the run a method leads, and whether the lead is outside the seed
    spread there."""
    def ap_at(curve: LearningCurve) -> Dict[int, float]:
        return dict(zip(curve.epochs, curve.metrics.get(METRICS[0][1], [])))

    gains = {}
    runs_ap = {seed: ap_at(curve) for seed, curve in runs.items()}
    base_ap = {seed: ap_at(curve) for seed, curve in baselines.items()}
    epochs = sorted({e for aps in runs_ap.values() for e in aps})
    for epoch in epochs:
        seeds = [s for s in runs_ap
                 if epoch in runs_ap[s] and epoch in base_ap.get(s, {})]
        gain = paired_gain([runs_ap[s][epoch] for s in seeds], seeds,
                           [base_ap[s][epoch] for s in seeds], seeds)
        if gain:
            gains[str(epoch)] = gain
    return gains


def report_stem(selection: Optional[str]) -> str:
    """``budget`` for the default selection, ``budget_<selection>`` for
    another: the report is ``results_<stem>.*``, its plots
    ``curves_<stem>_<group>.png``."""
    if selection in (None, DEFAULT_SELECTION):
        return 'budget'
    return f'budget_{selection}'


def plot_groups(runs: Sequence[Run], curves: Dict[Run, LearningCurve],
                alone: Sequence[str], title: str, out_dir: str,
                teachers: Dict[str, Optional[float]],
                stem: str = 'budget') -> List[str]:
    """``curves_<stem>_<group>.png`` per group: every method's seeds, the
    methods ``alone`` (ids) dashed, the group's teacher AP as a line."""
    by_group: Dict[str, Dict[str, List[LearningCurve]]] = {}
    for run in runs:
        by_group.setdefault(run.method.group, {}).setdefault(
            run.method.label, []).append(curves[run])
    labels = [BY_ID[key].label for key in alone if key in BY_ID]
    return [plot_group(group_curves, labels,
                       osp.join(out_dir, f'curves_{stem}_{group}.png'),
                       f'{group}: {title}', teachers.get(group))
            for group, group_curves in by_group.items()]


def check(target: str, value: Optional[float], threshold: float,
          at_least: bool = True, strict: bool = False, note: str = '',
          missing: str = '') -> dict:
    """A target with its measured value, whether it is met, and by how
    much it is met (``margin`` >= 0) or missed (< 0, or 0 when
    ``strict``); no value: missed, ``missing`` saying why."""
    margin = None if value is None else (
        value - threshold if at_least else threshold - value)
    met = margin is not None and (margin > 0 if strict else margin >= 0)
    return dict(target=target, value=value, threshold=threshold,
                at_least=at_least, strict=strict, met=met, margin=margin,
                note=missing if value is None else note)


def check_text(item: dict) -> str:
    """``met (0.62 >= 0.50)``, ``missed by 0.38 (0.12; needs >= 0.50)``,
    ``missed (why)``; the note added."""
    sign = ('>' if item['at_least'] else '<') + \
        ('' if item.get('strict') else '=')
    note = f'; {item["note"]}' if item['note'] else ''
    if item['value'] is None:
        return f'missed ({item["note"]})'
    if item['met']:
        return (f'met ({item["value"]:.3f} {sign} '
                f'{item["threshold"]:.3f}{note})')
    return (f'missed by {-item["margin"]:.3f} ({item["value"]:.3f}; needs '
            f'{sign} {item["threshold"]:.3f}{note})')


def budget_targets(rows: Sequence[dict],
                   head_flops: Optional[Dict[str, int]] = None
                   ) -> List[dict]:
    """The issue's targets at the teacher's budget: each claim method
    closes >= 50% of the AP gap with a paired interval above zero and
    reaches the student-alone's final AP within 1/4 of its iterations; the
    downsized head + TCD is not below the full head alone (the 95%
    interval of their paired AP difference reaches zero) at >= 5x fewer
    head FLOPs."""
    by_id = {row['id']: row for row in rows}
    checks = []
    for key in CLAIM_METHODS:
        row = by_id.get(key)
        if row is None:
            continue
        name = row['method']
        gain = row.get('ap_gain')
        checks += [
            check(f'{name} closes >= 50% of the teacher-student AP gap',
                  row.get('ap_gap_closed'), AP_GAP_TARGET,
                  missing='no baseline or teacher AP'),
            check(f'{name}: 95% interval of the paired AP gain excludes '
                  'zero (low end)', gain and gain['low'], 0.0, strict=True,
                  note=f'gain {gain_cell(gain)}, {gain["n"]} seeds'
                  if gain else '', missing='fewer than 2 paired seeds')]
        timing = row.get('time_to_accuracy')
        checks.append(check(
            f'{name} reaches the student-alone\'s final AP within 1/4 of '
            'its iterations (mean over seeds)',
            timing and timing['iterations_ratio'], TIME_TARGET,
            at_least=False, missing=f'not reached on '
            f'{timing["seeds"] - timing["reached"]} of {timing["seeds"]} '
            'seeds' if timing else 'no student-alone run on its seeds'))
    small, full = by_id.get(DOWNSIZED), by_id.get(FULL_HEAD)
    if small and full:
        difference = paired_gain(small['aps'], small['seed_list'],
                                 full['aps'], full['seed_list'])
        checks.append(check(
            f'{small["method"]}: AP not below the {full["method"]} (95% '
            'interval of the paired difference reaches zero, high end)',
            difference and difference['high'], 0.0,
            note=f'difference {gain_cell(difference)}' if difference
            else '', missing='fewer than 2 paired seeds'))
    if head_flops and head_flops.get(DOWNSIZED):
        ratio = head_flops[FULL_HEAD] / head_flops[DOWNSIZED]
        checks.append(check(
            f'{BY_ID[DOWNSIZED].label}: >= 5x fewer head FLOPs than the '
            f'{BY_ID[FULL_HEAD].label} (ratio)', ratio, HEAD_FLOPS_TARGET,
            note=f'{head_flops[FULL_HEAD] / 1e6:.2f} vs '
            f'{head_flops[DOWNSIZED] / 1e6:.2f} MFLOPs'))
    return checks


def short_gain(gain: Optional[dict]) -> str:
    """``+0.030 [+0.021, +0.039]``, or ``-``."""
    if not gain:
        return '-'
    return f'{gain["mean"]:+.3f} [{gain["low"]:+.3f}, {gain["high"]:+.3f}]'


def format_markdown(result: dict) -> str:
    def num(value, fmt='{:.4f}'):
        return '-' if value is None else fmt.format(value)

    budget = result['budget']
    teacher = result['teacher']
    selection = budget.get('selection') or DEFAULT_SELECTION
    lines = [f'### Teacher budget: {budget["epochs"]} epochs per student'
             + ('' if selection == DEFAULT_SELECTION
                else f', selection {selection!r}'), '']
    if result.get('pending'):
        note, *names = result['pending']
        lines += [f'**Partial report.** {note}', '']
        lines += [f'- {name}' for name in names] + ['']
    lines += [f'Seeds {budget["seeds"]}, validation every '
             f'{budget["val_interval"]} epochs; teacher AP '
             f'{num(teacher.get("coco/AP"))}, PCK@0.1 '
             f'{num(teacher.get("PCK"))}.', '']
    rows = result['accuracy']
    lines += markdown_table(
        ('group', 'method', 'gain over', 'AP (+/-)', 'AP .5', 'AR',
         'PCK@0.1', 'AP gain [95%]', 'AP gap closed',
         'time to accuracy, mean (per seed)', 'seeds'),
        ((r['group'], r['method'],
          '-' if r['baseline'] in (None, r['method']) else r['baseline'],
          f'{num(r["ap"])} ({num(r["ap_spread"])})', num(r.get('ap50')),
          num(r.get('ar')), num(r.get('pck')), gain_cell(r.get('ap_gain')),
          num(r.get('ap_gap_closed'), '{:.0%}'),
          time_cell(r.get('time_to_accuracy')), r['seeds'])
         for r in rows))
    lines += ['', 'Time to accuracy: the iterations after which the method '
              'first validated at or above its baseline\'s final AP on the '
              'same seed, over the baseline\'s iterations (mean over seeds, '
              'then each seed); validations every '
              f'{budget["val_interval"]} epochs bound its resolution.', '']
    timing = [(r, seed, t) for r in rows
              for seed, t in sorted((r.get('time_to_accuracy') or {})
                                    .get('per_seed', {}).items())]
    lines += markdown_table(
        ('method', 'seed', 'target AP', 'reached at epoch', 'iterations',
         'iterations ratio', 'training s', 'seconds ratio'),
        ((r['method'], seed, f'{t["target"]:.4f}',
          t['epoch'] if t['reached'] else 'not reached',
          t.get('iterations', '-'), num(t.get('iterations_ratio'), '{:.3f}'),
          num(t.get('seconds'), '{:.0f}'),
          num(t.get('seconds_ratio'), '{:.3f}'))
         for r, seed, t in timing))
    lines += ['', 'Training seconds: the logged seconds per iteration '
              'summed (validation and start-up left out).', '']
    by_epoch = [r for r in rows if r.get('gain_by_epoch')]
    if by_epoch:
        epochs = sorted({int(e) for r in by_epoch for e in r['gain_by_epoch']})
        lines += ['Paired AP gain over the baseline at each validation '
                  '(mean [95% interval]):', '']
        lines += markdown_table(
            ('method', *(f'epoch {e}' for e in epochs)),
            ((r['method'], *(short_gain(r['gain_by_epoch'].get(str(e)))
                             for e in epochs)) for r in by_epoch))
        lines.append('')
    lines += ['### Targets', '']
    lines += [f'- {c["target"]}: {check_text(c)}' for c in result['targets']]
    if result.get('failed'):
        lines += ['', '### Runs that failed (left out above)', '']
        lines += [f'- {line}' for line in result['failed']]
    return '\n'.join(lines) + '\n'


def write_report(runs: Sequence[Run], teacher: Dict[str, float],
                 budget: dict, out_dir: str,
                 pair_teacher: Optional[Dict[str, float]] = None,
                 failed: Sequence[str] = (),
                 pending: Sequence[str] = ()) -> dict:
    """``results_budget.json`` / ``.md`` and ``curves_budget_<group>.png``
    in ``out_dir`` for the finished ``runs`` (:func:`report_stem`: another
    ``budget['selection']`` than the default names them after it);
    return the JSON's content.
    ``pending``: a partial report's note on the runs not finished yet (its
    first line) and their names."""
    stem = report_stem(budget.get('selection'))
    curves = {run: read_curve(run.work_dir) for run in runs}
    rows = budget_rows(runs, curves, teacher, pair_teacher)
    pair = {DOWNSIZED, FULL_HEAD}
    head_flops = {key: deployed_head_flops(osp.join(REPO_ROOT,
                                                    BY_ID[key].config))
                  for key in pair} \
        if pair <= {row['id'] for row in rows} else None
    result = dict(budget=budget, teacher=teacher, pair_teacher=pair_teacher,
                  accuracy=rows, head_flops=head_flops,
                  targets=budget_targets(rows, head_flops),
                  failed=list(failed), pending=list(pending))
    os.makedirs(out_dir, exist_ok=True)
    # the students alone: every baseline, and the full head the downsized
    # one is held against
    alone = {row['baseline_id'] for row in rows} | {FULL_HEAD}
    teachers = {row['group']: (pair_teacher or {}).get('coco/AP')
                if row['group'] in PAIR_GROUPS else teacher.get('coco/AP')
                for row in rows}
    result['curves'] = plot_groups(
        runs, curves, sorted(a for a in alone if a),
        f'{budget["epochs"]} epochs per student, mean over seeds (range '
        'shaded)', out_dir, teachers, stem)
    with open(osp.join(out_dir, f'results_{stem}.json'), 'w') as f:
        json.dump(result, f, indent=2)
    markdown = format_markdown(result)
    with open(osp.join(out_dir, f'results_{stem}.md'), 'w') as f:
        f.write(markdown)
    print(markdown, flush=True)
    return result
