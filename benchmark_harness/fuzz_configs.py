"""Config fuzzer: every broken config must stop with the field named.

For every shipped config (``configs/**``, ``_base_`` skipped; made runnable
offline on tiny data by :mod:`.fuzz_setup`), seeded mutations of the kinds
users make (:mod:`.fuzz_mutations`) are run as a user runs a config: a
Runner built from it and one training iteration on CPU
(:mod:`.fuzz_runs`), each in its own work directory under a scratch folder
that is removed afterwards, within a time box. Each outcome is one of:

- ``trains``: one step with finite losses, and the mutation was harmless;
- ``named stop``: stopped before the first optimizer step by an exception
  whose message names the mutated key (its last component(s)), the key as
  misspelt, the file or the type name written;
- ``unnamed stop``: any other exception (a defect);
- ``silent``: trained although the mutation must be refused (an invalid
  value, an unknown argument), or changed what was built although it
  should not (a misspelt or dropped required key: compared with the
  unmutated config's run), or ended without a step (defects);
- ``hang``: ran past the time box (a defect);
- ``fuzzer error``: the fuzzer's own logic failed for the case.

The command line is ``tools/analysis/fuzz_configs.py``; ``--replay
CONFIG:SEED`` reruns one case and prints its traceback.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from typing import Dict, List, Optional, Sequence

from .fuzz_mutations import Mutator
from .fuzz_report import DEFECTS, replay_text, report_markdown
from .fuzz_runs import frozen_heap, quiet, run_config
from .fuzz_setup import NotRunnable, Workspace, shipped_configs
from .result_files import write_result_files



def names_in(names: Sequence[str], message: str) -> bool:
    """Whether ``message`` contains one of ``names`` as a whole word."""
    return any(re.search(r'(?<![\w])' + re.escape(str(n)) + r'(?![\w])',
                         message) for n in names if n)


def _diff(before, after, path='') -> List[str]:
    """The first differences between two :func:`describe_run` trees."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in list(before) + [k for k in after if k not in before]:
            out += _diff(before.get(key, '<absent>'),
                         after.get(key, '<absent>'), f'{path}.{key}')
        return out
    if isinstance(before, list) and isinstance(after, list) and \
            len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after))
                for d in _diff(b, a, f'{path}[{i}]')]
    return [] if before == after else [
        f'{path.lstrip(".")}: {before!r} -> {after!r}'[:200]]


def classify(mutation, result, baseline) -> tuple:
    """``(outcome, detail)`` of one run (see the module docstring)."""
    if result.probe_error:
        return 'fuzzer error', result.probe_error.strip().splitlines()[-1]
    if result.status == 'timeout':
        return 'hang', 'ran past the time box'
    if result.status == 'raised':
        message = f'{type(result.error).__name__}: {result.error}'
        named = result.steps == 0 and names_in(mutation.names, message)
        return ('named stop' if named else 'unnamed stop'), message
    if result.status == 'no_step':
        return 'silent', 'training ended without an iteration'
    if not result.finite:
        return 'silent', f'trained on non-finite losses {result.losses}'
    if mutation.invalid:
        return 'silent', 'trained although the value must be refused'
    changed = _diff(baseline, result.described)
    if mutation.strict and changed:
        return 'silent', 'built differently: ' + '; '.join(changed[:3])
    return 'trains', ''


class Fuzzer:
    """Runs cases in a scratch folder; keeps each config's baseline run.

    Args:
        root (str): The scratch folder (created; removed by :meth:`close`).
        timeout (float): Seconds one run may take.
        data_dir (str, optional): Where the tiny data sets are.
    """

    def __init__(self, root: str, timeout: float = 120.,
                 data_dir: Optional[str] = None):
        self.root, self.timeout = root, timeout
        self.cwd = osp.join(root, 'cwd')
        os.makedirs(self.cwd, exist_ok=True)
        with quiet():
            self.workspace = Workspace(osp.join(root, 'workspace'), data_dir)
            self.files = self._wrong_files()
        self.baselines: Dict[str, object] = {}
        self._count = 0

    def _wrong_files(self) -> Dict[str, str]:
        folder = osp.join(self.root, 'wrong')
        os.makedirs(osp.join(folder, 'empty_folder'), exist_ok=True)
        coco = self.workspace.coco_dir
        empty = osp.join(folder, 'empty.pth')
        open(empty, 'w').close()
        other_json = osp.join(folder, 'not_annotations.json')
        with open(other_json, 'w') as f:
            json.dump(dict(info='a JSON file that holds no annotations'), f)
        student = dict(type='TopdownPoseEstimator', backbone=dict(
            type='ResNet', depth=18), head=dict(
                type='RegressionHead', in_channels=512, num_joints=17))
        return dict(
            image=osp.join(coco, '000000000785.jpg'),
            json=other_json,
            checkpoint=self.workspace.random_weights(student, 'other'),
            empty=empty, folder=osp.join(folder, 'empty_folder'),
            other_folder=osp.join(self.workspace.root, 'checkpoints'))

    def _listing(self) -> set:
        """What is in the run's working directory (removed after each
        case) and in the shared data folders (only reported)."""
        folders = [self.cwd, self.workspace.data_dir,
                   self.workspace.coco_dir]
        return {osp.join(folder, name) for folder in folders
                if osp.isdir(folder) for name in os.listdir(folder)}

    def _run(self, cfg: dict):
        self._count += 1
        work_dir = osp.join(self.root, 'runs', str(self._count))
        before = self._listing()
        result = run_config(cfg, work_dir, self.timeout)
        shutil.rmtree(work_dir, ignore_errors=True)
        left = sorted(self._listing() - before)
        for path in left:
            if path.startswith(self.cwd + os.sep):
                shutil.rmtree(path) if osp.isdir(path) else os.remove(path)
        return result, [osp.relpath(p, self.cwd) if p.startswith(self.cwd)
                        else p for p in left]

    def runnable(self, config: str) -> Optional[str]:
        """None if ``config`` trains unmutated here, else why not."""
        try:
            self.baseline(config)
        except NotRunnable as error:
            return str(error)
        return None

    def baseline(self, config: str):
        """The unmutated config's description, or raise NotRunnable."""
        if config not in self.baselines:
            try:
                with quiet():
                    cfg = self.workspace.prepare(config)
                result, _ = self._run(cfg)
            except NotRunnable as error:
                result = error
            self.baselines[config] = result
        result = self.baselines[config]
        if isinstance(result, NotRunnable):
            raise result
        if result.status != 'stepped':
            raise NotRunnable(f'does not train unmutated: {result.error!r}')
        return result.described

    def case(self, config: str, seed: int,
             keep_traceback: bool = False) -> dict:
        """Mutate ``config`` with ``seed``, run it and classify it (the
        traceback is kept for defects, or all with ``keep_traceback``)."""
        row = dict(config=config, seed=seed, kind=None, path=None,
                   description=None)
        try:
            baseline = self.baseline(config)
            with quiet():
                mutator = Mutator(self.workspace.prepare(config), self.files)
                cfg, mutation = mutator.mutate(
                    random.Random(f'{config}:{seed}'))
            row.update(kind=mutation.kind, path=mutation.path,
                       description=mutation.description)
        except NotRunnable as error:
            return dict(row, outcome='not runnable', detail=str(error))
        except Exception:  # noqa: BLE001 - the fuzzer's own failure
            return dict(row, outcome='fuzzer error',
                        detail=traceback.format_exc())
        start = time.time()
        previous = os.getcwd()
        os.chdir(self.cwd)
        try:
            result, left = self._run(cfg)
            outcome, detail = classify(mutation, result, baseline)
        except Exception:  # noqa: BLE001 - the fuzzer's own failure
            result, left = None, []
            outcome, detail = 'fuzzer error', traceback.format_exc()
        finally:
            os.chdir(previous)
        return dict(row, outcome=outcome, detail=detail,
                    seconds=round(time.time() - start, 2), left_behind=left,
                    traceback=getattr(result, 'traceback', '')
                    if outcome in DEFECTS or keep_traceback else '')

    def close(self) -> List[str]:
        """Remove the scratch folder; return what could not be removed."""
        shutil.rmtree(self.root, ignore_errors=True)
        return [self.root] if osp.exists(self.root) else []


def fuzz(count: int, configs: Optional[Sequence[str]] = None,
         first_seed: int = 0, timeout: float = 120.,
         data_dir: Optional[str] = None, progress=None) -> dict:
    """Run ``count`` cases over ``configs`` (all shipped ones by default),
    round-robin: case i is ``configs[i % n]`` with seed
    ``first_seed + i // n``."""
    configs = list(configs or shipped_configs())
    fuzzer = Fuzzer(tempfile.mkdtemp(prefix='mmpose_kd_fuzz_'), timeout,
                    data_dir)
    rows, start, skipped = [], time.time(), {}
    try:
        for config in configs:
            reason = fuzzer.runnable(config)
            if reason is not None:
                skipped[config] = reason
        configs = [c for c in configs if c not in skipped]
        with frozen_heap():
            for i in range(count):
                row = fuzzer.case(configs[i % len(configs)],
                                  first_seed + i // len(configs))
                rows.append(row)
                if progress:
                    progress(i, row)
    finally:
        left = fuzzer.close()
    return dict(cases=rows, configs=configs, not_runnable=skipped,
                count=count, first_seed=first_seed,
                seconds=round(time.time() - start),
                scratch_left_behind=left, notes=fuzzer.workspace.notes)


def _replay(spec: str, timeout: float, data_dir: Optional[str]) -> dict:
    config, _, seed = spec.rpartition(':')
    fuzzer = Fuzzer(tempfile.mkdtemp(prefix='mmpose_kd_fuzz_'), timeout,
                    data_dir)
    try:
        return fuzzer.case(config, int(seed), keep_traceback=True)
    finally:
        fuzzer.close()


def main(argv: Optional[Sequence[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=1000,
                        help='mutations in all (round-robin over configs)')
    parser.add_argument('--configs', nargs='+', default=None,
                        help='configs under configs/ (default: all shipped)')
    parser.add_argument('--seed', type=int, default=0, help='first seed')
    parser.add_argument('--timeout', type=float, default=120.,
                        help='seconds one case may run')
    parser.add_argument('--data-dir', default=None,
                        help='folder of coco_tiny and the other tiny sets '
                        '(default: the tests\' ../shared/data)')
    parser.add_argument('--replay', action='append', default=[],
                        metavar='CONFIG:SEED',
                        help='rerun one case and print its traceback')
    parser.add_argument('--out', default=None,
                        help='JSON path; a .md report is written beside it')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    if args.replay:
        rows = [_replay(spec, args.timeout, args.data_dir)
                for spec in args.replay]
        for row in rows:
            print(replay_text(row))
        return dict(cases=rows)

    def progress(i, row):
        print(f'[{i + 1}/{args.count}] {row["config"]}:{row["seed"]} '
              f'{row["kind"]} {row["outcome"]}', flush=True)
    result = fuzz(args.count, args.configs, args.seed, args.timeout,
                  args.data_dir, progress)
    result.update(
        command='python tools/analysis/fuzz_configs.py ' + ' '.join(
            argv if argv is not None else sys.argv[1:]),
        date=datetime.date.today().isoformat(),
        machine=f'{platform.machine()}, {os.cpu_count()} CPU cores, '
        f'{args.threads} torch thread(s)')
    markdown = report_markdown(result)
    if args.out:
        write_result_files(args.out, result, markdown)
    print(markdown)
    return result
