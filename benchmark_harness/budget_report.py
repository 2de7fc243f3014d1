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

from . import REPO_ROOT
from .ablation import Run, tabulate
from .benchmark_report import accuracy_rows, paired_gain
from .budget_markdown import format_markdown
from .budget_targets import DOWNSIZED, FULL_HEAD, budget_targets
from .epoch_budget import load_config
from .learning_curves import (METRIC, LearningCurve, plot_group, read_curve,
                              summarize_time_to_accuracy,
                              time_to_accuracy)
from .methods import (BY_ID, DEFAULT_SELECTION, PAIR_GROUPS,
                      PAIRED_COMPARISONS)
from .train_fit import fit_of

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
    fits = {run.method.id: {} for run in runs}
    for run in runs:
        fit = fit_of(run)
        if fit:
            fits[run.method.id][run.seed] = fit
    for row in rows:
        result = results[row['id']]
        row.update(seed_list=result['seeds'], aps=result['aps'],
                   pcks=result['pcks'])
        if fits.get(row['id']):
            row['fit'] = fit_summary(fits[row['id']])
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


def paired_comparisons(rows: Sequence[dict]) -> List[dict]:
    """For each ``(method, against)`` of
    :data:`.methods.PAIRED_COMPARISONS` that both finished: the paired
    difference of their final AP and PCK@0.1 (:func:`.paired_gain`, by
    seed; 2 seeds or more) with the per-seed differences."""
    by_id = {row['id']: row for row in rows}
    found = []
    for key, against in PAIRED_COMPARISONS:
        mine, theirs = by_id.get(key), by_id.get(against)
        if not (mine and theirs):
            continue
        item = dict(id=key, against=against, method=mine['method'],
                    against_method=theirs['method'])
        for metric, values in (('ap', 'aps'), ('pck', 'pcks')):
            item[metric] = paired_gain(mine[values], mine['seed_list'],
                                       theirs[values], theirs['seed_list'])
        if item['ap']:
            found.append(item)
    return found


def fit_summary(fits: Dict[int, dict]) -> dict:
    """Mean train and val AP and PCK@0.1 over the seeds with a train-fit
    record (:mod:`.train_fit`), and those seeds."""
    summary = dict(seeds=sorted(fits))
    for split in ('train', 'val'):
        for key, metric in (('ap', 'coco/AP'), ('pck', 'PCK')):
            values = [fit[split][metric] for fit in fits.values()
                      if metric in fit[split]]
            if values:
                summary[f'{split}_{key}'] = statistics.mean(values)
    return summary


def gain_by_epoch(runs: Dict[int, LearningCurve],
                  baselines: Dict[int, LearningCurve]) -> Dict[str, dict]:
    """``epoch -> paired AP gain`` (:func:`.paired_gain`, 2 seeds or more)
    at every epoch both a run and its baseline validated on a seed: where
    along the run a method leads, and whether the lead is outside the seed
    spread there."""
    def ap_at(curve: LearningCurve) -> Dict[int, float]:
        return dict(zip(curve.epochs, curve.metrics.get(METRIC, [])))

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
                  accuracy=rows, comparisons=paired_comparisons(rows),
                  head_flops=head_flops,
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
