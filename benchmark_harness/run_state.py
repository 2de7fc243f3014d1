"""Where a benchmark run stands in its work dir: new, done, or resumable.

Each training the harness starts leaves ``run_fingerprint.json`` in its work
dir first: the config as ``tools/train.py`` resolves it (the recipe with the
run's ``--cfg-options`` and flags applied, the work dir left out) and its
SHA-256. With ``--reuse`` a run is

- **done** when its fingerprint matches and it saved its final checkpoint
  and logged its final validation: it is not trained again;
- **resumed** (``tools/train.py --resume``) when its fingerprint matches and
  it saved a checkpoint (it died, or the benchmark was stopped); the resume
  first validates the checkpoint's epoch if the run stopped before logging
  that validation (:class:`mmpose_kd.engine.hooks.ResumeValidationHook`), so
  a final checkpoint without its validation is resumed too;
- **refused** when the fingerprint differs, another commit's recipes having
  made it: :class:`ReuseMismatch` names the run and the keys that differ;
- started afresh otherwise.

A fresh start first removes what an earlier attempt left in the work dir
(its logs and checkpoints), so curves and ``last_checkpoint`` are the new
run's only. Work dirs from before fingerprints were kept are reused when
done, with a warning, and started afresh when not.
"""
import copy
import glob
import hashlib
import json
import os
import os.path as osp
import re
import shutil
from typing import Dict, List, Optional, Sequence

from . import REPO_ROOT
from .epoch_budget import load_config

FINGERPRINT = 'run_fingerprint.json'
#: MMEngine's per-start log folders (``<work_dir>/20261202_063553``).
_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
#: How many differing keys a refusal lists.
_SHOWN_KEYS = 5

DONE, RESUME, FRESH = 'done', 'resume', 'fresh'
#: Marks a work dir restored from the run archive (:mod:`.run_archive`):
#: finished, its logs there, no checkpoint.
ARCHIVED = 'restored_from_archive.json'
#: Loader settings that change how a run executes, not what it trains;
#: left out of the fingerprint, so a run resumed with another ``--jobs``
#: (which sets them, :func:`.quickstart.loader_options`) is reused.
EXECUTION_KEYS = ('num_workers', 'persistent_workers', 'pin_memory')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
#: Stands for the checkout's root in fingerprints (e.g. in the shipped
#: teacher's path), so that a run made in one checkout is reused in another
#: at another path (:mod:`.run_archive`).
REPO_TOKEN = '{repo}'
#: A finished run's train-against-val record (:mod:`.train_fit`) and the
#: folder of its evaluations: measured on the run's final checkpoint, so a
#: fresh start removes them with the checkpoints.
FIT = 'train_fit.json'
FIT_DIR = 'train_fit'


class ReuseMismatch(ValueError):
    """``--reuse`` found work dirs made with other configurations."""


def resolved_config(config: str, options: Sequence[str],
                    flags: Sequence[str] = ()) -> dict:
    """``config`` as ``tools/train.py`` would run it with ``options``
    (``--cfg-options``) and ``flags`` (e.g. ``--amp``), as plain data,
    without its work dir and loaders' :data:`EXECUTION_KEYS`."""
    from mmpose_kd.cli.train import build_train_parser, merge_train_args
    argv = [config, *flags] + (['--cfg-options', *options] if options
                               else [])
    args = build_train_parser().parse_args(argv)
    cfg = merge_train_args(copy.deepcopy(load_config(config)), args)
    resolved = json.loads(json.dumps(cfg.to_dict(), sort_keys=True,
                                     default=repr))
    resolved.pop('work_dir', None)
    for loader in LOADERS:
        if isinstance(resolved.get(loader), dict):
            for key in EXECUTION_KEYS:
                resolved[loader].pop(key, None)
    return portable(resolved)


def portable(value):
    """``value`` with the checkout's root written as :data:`REPO_TOKEN`
    in every string (nested dicts and lists)."""
    if isinstance(value, str):
        return value.replace(REPO_ROOT, REPO_TOKEN)
    if isinstance(value, dict):
        return {key: portable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [portable(item) for item in value]
    return value


def fingerprint_digest(resolved: dict) -> str:
    return hashlib.sha256(
        json.dumps(resolved, sort_keys=True).encode()).hexdigest()


def fingerprint(config: str, options: Sequence[str],
                flags: Sequence[str] = ()) -> dict:
    """What :data:`FINGERPRINT` holds for a run."""
    resolved = resolved_config(config, options, flags)
    return dict(sha256=fingerprint_digest(resolved),
                config=osp.relpath(config, REPO_ROOT),
                options=portable(list(options)), flags=list(flags),
                resolved=resolved)


def same_configuration(stored: dict, current: dict) -> bool:
    """Whether a stored fingerprint is ``current``'s: its resolved config,
    read with this checkout's root as :data:`REPO_TOKEN` (records from
    before that token wrote the path out), hashes as ``current``'s, and its
    own hash is that of its resolved config (not edited by hand)."""
    resolved = portable(stored['resolved'])
    own = {fingerprint_digest(stored['resolved']),
           fingerprint_digest(resolved)}
    return stored['sha256'] in own and \
        fingerprint_digest(resolved) == current['sha256']


def stored_fingerprint(work_dir: str) -> Optional[dict]:
    path = osp.join(work_dir, FINGERPRINT)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_fingerprint(work_dir: str, record: dict) -> None:
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, FINGERPRINT), 'w') as f:
        json.dump(record, f, indent=1)


def flatten(value, prefix: str = '') -> Dict[str, object]:
    """``{'a.b.0': leaf}`` for nested dicts and lists."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat = {}
    for key, item in items:
        flat.update(flatten(item, f'{prefix}.{key}' if prefix else str(key)))
    return flat or {prefix: value}


def differences(stored: dict, now: dict) -> List[str]:
    """``key: stored -> now`` for every resolved key that differs."""
    old, new = flatten(stored), flatten(now)
    missing = object()

    def shown(value):
        return '(absent)' if value is missing else repr(value)

    return [f'{key}: {shown(old.get(key, missing))} -> '
            f'{shown(new.get(key, missing))}'
            for key in sorted(set(old) | set(new))
            if old.get(key, missing) != new.get(key, missing)]


def validated_epochs(work_dir: str) -> List[int]:
    """The epochs a work dir's scalar logs hold a validation for."""
    from mmpose_kd.utils.scalar_logs import read_records, scalars_files
    return sorted({record['step'] for path in scalars_files(work_dir)
                   for record in read_records(path) if 'coco/AP' in record})


def state(work_dir: str, current: dict, name: str) -> str:
    """:data:`DONE`, :data:`RESUME` or :data:`FRESH` for a run about to be
    reused; :class:`ReuseMismatch` naming ``name`` when its fingerprint
    differs from ``current``."""
    stored = stored_fingerprint(work_dir)
    epochs = current['resolved']['train_cfg']['max_epochs']
    final = osp.join(work_dir, f'epoch_{epochs}.pth')
    if stored is None:
        if osp.isfile(final):
            print(f'    warning: {work_dir} has no {FINGERPRINT} (made '
                  'before fingerprints were kept): reused unchecked',
                  flush=True)
            return DONE
        return FRESH
    if not same_configuration(stored, current):
        changed = differences(portable(stored['resolved']),
                              current['resolved']) or [
            f'{FINGERPRINT}: its sha256 is not its configuration\'s']
        more = len(changed) - _SHOWN_KEYS
        raise ReuseMismatch(
            f'{name}: {work_dir} was made with another configuration of '
            f'{current["config"]} ({"; ".join(changed[:_SHOWN_KEYS])}'
            + (f'; and {more} more' if more > 0 else '') + ')')
    resumable = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    if osp.isfile(final) or osp.isfile(osp.join(work_dir, ARCHIVED)):
        if epochs in validated_epochs(work_dir):
            return DONE
        if osp.isfile(final) and resumable:
            # stopped in its final validation: the resume validates it
            # (ResumeValidationHook) and trains nothing
            print(f'    {work_dir}: final checkpoint without its validation, '
                  'resumed to validate it', flush=True)
            return RESUME
        print(f'    {work_dir}: restored without its final validation, '
              'trained afresh', flush=True)
        return FRESH
    if resumable:
        return RESUME
    return FRESH


def clear_attempt(work_dir: str) -> None:
    """Remove what an earlier training left in ``work_dir``: MMEngine's
    timestamped log folders, checkpoints and ``last_checkpoint``, and the
    train-fit record measured on them."""
    if not osp.isdir(work_dir):
        return
    for name in os.listdir(work_dir):
        path = osp.join(work_dir, name)
        if (_TIMESTAMP.match(name) or name == FIT_DIR) and osp.isdir(path):
            shutil.rmtree(path)
    for path in glob.glob(osp.join(work_dir, '*.pth')) + [
            osp.join(work_dir, 'last_checkpoint'),
            osp.join(work_dir, ARCHIVED), osp.join(work_dir, FIT)]:
        if osp.isfile(path):
            os.remove(path)
