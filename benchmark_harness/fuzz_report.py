"""The config fuzzer's report: counts per outcome per mutation kind, the
defects with the command that replays each, and the weakest messages."""
from collections import Counter
from typing import Dict, List

from mmpose_kd.utils.markdown import markdown_table
from .fuzz_mutations import KINDS

OUTCOMES = ('trains', 'named stop', 'unnamed stop', 'silent', 'hang',
            'fuzzer error')
DEFECTS = ('unnamed stop', 'silent', 'hang', 'fuzzer error')
REPLAY = 'python tools/analysis/fuzz_configs.py --replay {config}:{seed}'


def counts(rows: List[dict]) -> Dict[str, Counter]:
    """``kind -> Counter(outcome)``, with an ``all`` row."""
    table = {kind: Counter() for kind in KINDS}
    table['all'] = Counter()
    for row in rows:
        table.setdefault(row['kind'] or '(none)', Counter())[
            row['outcome']] += 1
        table['all'][row['outcome']] += 1
    return table


def defects(rows: List[dict]) -> List[dict]:
    return [r for r in rows if r['outcome'] in DEFECTS]


def _first_line(text: str, width: int = 240) -> str:
    line = ' '.join((text or '').split())
    return line if len(line) <= width else line[:width - 3] + '...'


def replay_text(row: dict) -> str:
    """One case as ``--replay`` prints it."""
    lines = [f'{row["config"]}:{row["seed"]}  {row["kind"]}  '
             f'{row["outcome"]}', f'  mutation: {row["description"]}',
             f'  detail:   {row.get("detail", "")}']
    if row.get('left_behind'):
        lines.append(f'  left behind: {row["left_behind"]}')
    if row.get('traceback'):
        lines.append(row['traceback'])
    return '\n'.join(lines)


def report_markdown(result: dict) -> str:
    rows = result['cases']
    table = counts(rows)
    body = [[kind] + [table[kind][o] for o in OUTCOMES] +
            [sum(table[kind].values())] for kind in table]
    out = [f'# Config fuzzer: {len(rows)} mutations of '
           f'{len(result["configs"])} configs',
           '', f'`{result.get("command", "")}` - {result.get("date", "")}, '
           f'{result.get("machine", "")}, {result["seconds"]} s.', '',
           *markdown_table(['kind'] + list(OUTCOMES) + ['total'], body), '']
    found = defects(rows)
    out += [f'## Defects ({len(found)})', '']
    out += [f'- `{REPLAY.format(**r)}` ({r["kind"]}, {r["outcome"]}): '
            f'{_first_line(r["description"], 160)} -> '
            f'{_first_line(r.get("detail", ""))}' for r in found] or ['None.']
    named = sorted((r for r in rows if r['outcome'] == 'named stop'),
                   key=lambda r: -len(r.get('detail', '')))
    out += ['', '## Longest named-stop messages (the hardest to read)', '']
    out += [f'- {r["config"]}:{r["seed"]} {r["description"][:120]}: '
            f'{_first_line(r["detail"], 400)}' for r in named[:5]]
    left = [r for r in rows if r.get('left_behind')]
    out += ['', f'## Files left behind ({len(left)} cases)', '']
    out += [f'- {r["config"]}:{r["seed"]}: {r["left_behind"]}'
            for r in left] or ['None.']
    if result.get('scratch_left_behind'):
        out.append(f'- scratch folder not removed: '
                   f'{result["scratch_left_behind"]}')
    if result.get('not_runnable'):
        out += ['', '## Not runnable here', '']
        out += [f'- {c}: {why}' for c, why in result['not_runnable'].items()]
    for note in result.get('notes', []):
        out += ['', f'Note: {note}.']
    return '\n'.join(out)
