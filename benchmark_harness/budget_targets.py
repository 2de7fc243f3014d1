"""The issue's targets at the teacher's budget, checked against the report's
rows: met, or missed by how much (or why there is no value)."""
from typing import Dict, List, Optional, Sequence

from .benchmark_report import AP_GAP_TARGET, gain_cell, paired_gain
from .methods import BY_ID

#: The methods held to the papers' claims at the teacher's budget.
CLAIM_METHODS = ('crd.ocd', 'crd.tcd-feat', 'ikd.integral')
#: Time to accuracy: at most this share of the student-alone's iterations.
TIME_TARGET = 0.25
#: The downsized head + TCD against the full head it is cut from.
DOWNSIZED, FULL_HEAD = 'crd.downsized-tcd', 'crd.full-integral-alone'
HEAD_FLOPS_TARGET = 5.0

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
