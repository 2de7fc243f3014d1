"""The teacher-budget report as Markdown: the accuracy table, time to
accuracy per seed, the paired gain at each validation, the targets."""
from typing import Optional

from mmpose_kd.utils.markdown import markdown_table
from .benchmark_report import gain_cell
from .budget_targets import check_text
from .learning_curves import time_cell
from .methods import DEFAULT_SELECTION


def short_gain(gain: Optional[dict]) -> str:
    """``+0.030 [+0.021, +0.039]``, or ``-``."""
    if not gain:
        return '-'
    return f'{gain["mean"]:+.3f} [{gain["low"]:+.3f}, {gain["high"]:+.3f}]'


def fit_lines(rows) -> list:
    """The train-against-val table (:mod:`.train_fit`), when measured."""
    fitted = [r for r in rows if r.get('fit')]
    if not fitted:
        return []

    def cell(fit, key):
        return '-' if key not in fit else f'{fit[key]:.4f}'

    lines = ['Train against val: the final checkpoint scored on the whole '
             'training set (test pipeline) and on val, ground truth from '
             'the datasets (`benchmark.py --budget ... --train-fit`; mean '
             'over the seeds measured):', '']
    lines += markdown_table(
        ('method', 'train AP', 'val AP', 'train - val', 'train PCK@0.1',
         'val PCK@0.1', 'seeds'),
        ((r['method'], cell(r['fit'], 'train_ap'), cell(r['fit'], 'val_ap'),
          '-' if 'train_ap' not in r['fit'] or 'val_ap' not in r['fit']
          else f'{r["fit"]["train_ap"] - r["fit"]["val_ap"]:+.4f}',
          cell(r['fit'], 'train_pck'), cell(r['fit'], 'val_pck'),
          ', '.join(map(str, r['fit']['seeds']))) for r in fitted))
    return lines + ['']


def comparison_lines(comparisons) -> list:
    """The paired differences between two methods (same start, same
    seed), when both finished."""
    if not comparisons:
        return []
    lines = ['Paired differences between methods that start from the same '
             'initial weights on each seed (mean [95% interval]; per seed):',
             '']
    lines += markdown_table(
        ('method', 'minus', 'AP', 'AP per seed', 'PCK@0.1', 'seeds'),
        ((c['method'], c['against_method'], gain_cell(c['ap']),
          ', '.join(f'{d:+.4f}' for d in c['ap']['diffs']),
          gain_cell(c.get('pck')), c['ap']['n']) for c in comparisons))
    return lines + ['']


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
    teachers = [f'{name} AP {num(metrics.get("coco/AP"))}, PCK@0.1 '
                f'{num(metrics.get("PCK"))}'
                for name, metrics in (('teacher', teacher),
                                      ('SimCC pair teacher',
                                       result.get('pair_teacher') or {}))
                if metrics.get('coco/AP') is not None]
    lines += [f'Seeds {budget["seeds"]}, validation every '
              f'{budget["val_interval"]} epochs; '
              f'{"; ".join(teachers) or "teacher AP -"}.', '']
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
    lines += comparison_lines(result.get('comparisons'))
    lines += fit_lines(rows)
    lines += ['### Targets', '']
    lines += [f'- {c["target"]}: {check_text(c)}' for c in result['targets']]
    if result.get('failed'):
        lines += ['', '### Runs that failed (left out above)', '']
        lines += [f'- {line}' for line in result['failed']]
    return '\n'.join(lines) + '\n'
