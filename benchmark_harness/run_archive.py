"""Finished benchmark runs kept in the repository, so that a benchmark that
outlives one machine resumes on the next.

A run's archive holds what the reports read and nothing else: its
fingerprint (:mod:`.run_state`, the checkout's root written as a token), its
scalar logs (each start's ``<timestamp>/vis_data/scalars.json``, gzipped),
its resource record and its train-fit record (:mod:`.train_fit`) where it
has one; no checkpoint. :func:`archive_runs` copies the
finished runs of a benchmark into ``<root>/<group>/<run dir name>``;
:func:`restore_runs` copies an archived run back into a work dir that does
not hold it finished yet (a work dir made with another configuration is
left for ``--reuse`` to refuse), when its fingerprint is the run's current
one, and marks it (:data:`ARCHIVED`), which :func:`.run_state.state` counts
as done.
"""
import gzip
import json
import os
import os.path as osp
import shutil
from typing import Iterable, List

from . import ablation, run_state
from .train_costs import RESOURCES
from .train_fit import FIT

ARCHIVED = run_state.ARCHIVED
SCALARS = osp.join('vis_data', 'scalars.json')


def archive_path(root: str, run: ablation.Run) -> str:
    return osp.join(root, run.method.group, osp.basename(run.work_dir))


def _log_folders(work_dir: str) -> List[str]:
    return sorted(name for name in os.listdir(work_dir)
                  if osp.isfile(osp.join(work_dir, name, SCALARS)))


def archive_runs(runs: Iterable[ablation.Run], root: str) -> List[str]:
    """Archive each of ``runs`` (finished ones: the caller checks) under
    ``root``, replacing an older archive of it; return the paths."""
    written = []
    for run in runs:
        target = archive_path(root, run)
        stored = run_state.stored_fingerprint(run.work_dir)
        if stored is None:
            continue
        if osp.isdir(target):
            shutil.rmtree(target)
        os.makedirs(target)
        stored = dict(stored, resolved=run_state.portable(stored['resolved']),
                      options=run_state.portable(stored['options']))
        stored['sha256'] = run_state.fingerprint_digest(stored['resolved'])
        with open(osp.join(target, run_state.FINGERPRINT), 'w') as f:
            json.dump(stored, f, indent=1)
        for folder in _log_folders(run.work_dir):
            os.makedirs(osp.join(target, folder))
            # mtime=0: the same logs give the same bytes (no git churn)
            with open(osp.join(run.work_dir, folder, SCALARS), 'rb') as src, \
                    gzip.GzipFile(osp.join(target, folder, 'scalars.json.gz'),
                                  'wb', mtime=0) as dst:
                shutil.copyfileobj(src, dst)
        for record in (RESOURCES, FIT):
            if osp.isfile(osp.join(run.work_dir, record)):
                shutil.copy(osp.join(run.work_dir, record), target)
        written.append(target)
    return written


def restore_runs(runs: Iterable[ablation.Run], root: str,
                 flags=()) -> List[ablation.Run]:
    """Copy each archived run of ``runs`` whose fingerprint is its current
    one into its work dir, unless that already holds it finished; return
    the runs restored. An archive made with another configuration is left
    alone, with a warning (the run then trains)."""
    restored = []
    for run in runs:
        source = archive_path(root, run)
        stored = run_state.stored_fingerprint(source)
        if stored is None:
            continue
        current = run_state.fingerprint(run.config, run.options, flags)
        if not run_state.same_configuration(stored, current):
            print(f'    warning: {source} was made with another '
                  f'configuration of {current["config"]}; not restored',
                  flush=True)
            continue
        name = ablation.run_name(run)
        try:
            if run_state.state(run.work_dir, current, name) == \
                    run_state.DONE:
                continue
        except run_state.ReuseMismatch:
            continue  # another configuration's run: refused, never erased
        if osp.isdir(run.work_dir):
            shutil.rmtree(run.work_dir)
        os.makedirs(run.work_dir)
        for folder in sorted(os.listdir(source)):
            packed = osp.join(source, folder, 'scalars.json.gz')
            if osp.isfile(packed):
                os.makedirs(osp.join(run.work_dir, folder, 'vis_data'))
                with gzip.open(packed, 'rb') as src, \
                        open(osp.join(run.work_dir, folder, SCALARS),
                             'wb') as dst:
                    shutil.copyfileobj(src, dst)
        for record in (RESOURCES, FIT):
            if osp.isfile(osp.join(source, record)):
                shutil.copy(osp.join(source, record), run.work_dir)
        run_state.write_fingerprint(run.work_dir, current)
        with open(osp.join(run.work_dir, ARCHIVED), 'w') as f:
            json.dump(dict(archive=osp.relpath(source, run_state.REPO_ROOT)),
                      f)
        print(f'    restored {name} from {source}', flush=True)
        restored.append(run)
    return restored
