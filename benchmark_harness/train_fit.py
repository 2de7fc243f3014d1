"""Train against val: how well each finished run fits its own training data.

A distilled student that beats its student-alone baseline on val can do so
by fitting its training images better (distillation as an optimisation
aid) or by generalising better from the same fit (a regulariser); a gap to
the teacher that stays open can be the student's fit or its
generalisation. :func:`measure_fits` tells them apart for the runs of a
benchmark: it evaluates each finished run's last checkpoint
(``tools/test.py``) on its whole training set - the training dataset with
the test pipeline, ``test_mode=True`` - and on its val set, and writes both
into the run's :data:`FIT` record, which the run archive keeps
(:mod:`.run_archive`) and the budget report tabulates.

Both splits are scored the same way: every evaluator's ``ann_file`` is
dropped, so MMPose's ``CocoMetric`` builds its ground truth from the
dataset's own annotations (``raw_ann_info``), for the training images as
for the val ones. On the default data this reproduces the AP of the
training split's own annotation file exactly (regression student alone,
seed 0, 24 epochs: 0.0646 both ways) and the val AP the run logged
(0.0631). Score whole sets: COCO AP of a weak model moves with which
instances are scored (the first 1,000 of those ~6,000 training instances
give 0.0125, the first 3,000 0.0332), so ``images`` is for tests.
"""
import copy
import json
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional

from mmengine.config import Config

from . import ablation, run_state
from .quickstart import evaluate, last_checkpoint

FIT = run_state.FIT
#: Dataset wrappers whose training set is not one dataset config.
WRAPPERS = ('CombinedDataset', 'ConcatDataset', 'RepeatDataset',
            'ClassBalancedDataset')


def split_config(cfg: Config, split: str, images: Optional[int]) -> Config:
    """``cfg`` with its test loader on ``split`` ('train' or 'val') and
    every evaluator's ``ann_file`` dropped (ground truth from the
    dataset). ``images``: the first N of the split (None: all)."""
    cfg = copy.deepcopy(cfg)
    test_set = cfg.test_dataloader.dataset
    if split == 'train':
        dataset = copy.deepcopy(cfg.train_dataloader.dataset)
        kind = str(dataset.get('type', ''))
        if kind.split('.')[-1] in WRAPPERS:
            raise ValueError(
                f'train_dataloader.dataset is a {kind}: the train fit '
                'evaluates one dataset; give the wrapped one as the '
                'training set of a fit config')
        dataset['pipeline'] = copy.deepcopy(test_set['pipeline'])
        dataset['test_mode'] = True
    elif split == 'val':
        dataset = copy.deepcopy(cfg.val_dataloader.dataset)
    else:
        raise ValueError(f'split must be train or val, got {split!r}')
    if images:
        dataset['indices'] = images
    cfg.test_dataloader.dataset = dataset
    evaluators = cfg.test_evaluator if isinstance(
        cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
    for evaluator in evaluators:
        if 'ann_file' in evaluator:
            evaluator['ann_file'] = None
    return cfg


def run_config(run: ablation.Run) -> str:
    """The config MMEngine dumped into the run's work dir: the recipe as
    trained, ``--cfg-options`` applied."""
    path = osp.join(run.work_dir, osp.basename(run.config))
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path!r} not found: {run.work_dir} holds '
                                'no config dumped by its training')
    return path


def current_fit(work_dir: str) -> Optional[dict]:
    """The work dir's :data:`FIT` record when it was measured for the run
    its fingerprint describes now; None otherwise."""
    path = osp.join(work_dir, FIT)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        record = json.load(f)
    stored = run_state.stored_fingerprint(work_dir) or {}
    return record if record.get('sha256') == stored.get('sha256') else None


def measure_fit(run: ablation.Run, images: Optional[int]) -> dict:
    """Evaluate ``run``'s last checkpoint on its training and val images;
    write and return its :data:`FIT` record."""
    stored = run_state.stored_fingerprint(run.work_dir) or {}
    cfg = Config.fromfile(run_config(run))
    out = osp.join(run.work_dir, run_state.FIT_DIR)
    os.makedirs(out, exist_ok=True)
    checkpoint = last_checkpoint(run.work_dir)
    record = dict(sha256=stored.get('sha256'), images=images,
                  checkpoint=osp.basename(checkpoint))
    for split in ('train', 'val'):
        path = osp.join(out, f'{split}_config.py')
        split_config(cfg, split, images if split == 'train' else None
                     ).dump(path)
        record[split] = evaluate(path, checkpoint, osp.join(out, split))
    with open(osp.join(run.work_dir, FIT), 'w') as f:
        json.dump(record, f, indent=1)
    return record


def measure_fits(runs: Iterable[ablation.Run],
                 images: Optional[int] = None) -> List[str]:
    """:func:`measure_fit` for each finished run without a current record
    and with a checkpoint (a run restored from the archive brings its
    record, or has none to give); return the failures' lines (the others
    are measured)."""
    failures = []
    for run in runs:
        record = current_fit(run.work_dir)
        if record and record.get('images') == images:
            continue
        if not osp.isfile(osp.join(run.work_dir, 'last_checkpoint')):
            continue
        print(f'    train fit: {ablation.run_name(run)}', flush=True)
        try:
            record = measure_fit(run, images)
        except (RuntimeError, OSError, ValueError) as error:
            failures.append(f'{ablation.run_name(run)}: train fit failed: '
                            f'{str(error).splitlines()[0]}')
            continue
        print(f'    train AP {record["train"]["coco/AP"]:.4f}, val AP '
              f'{record["val"]["coco/AP"]:.4f}', flush=True)
    return failures


def fit_of(run: ablation.Run) -> Optional[Dict[str, dict]]:
    """``{'train': metrics, 'val': metrics, 'images': N}`` of the run's
    current :data:`FIT` record (any image count), or None."""
    record = current_fit(run.work_dir)
    if record is None:
        return None
    return dict(train=record['train'], val=record['val'],
                images=record.get('images'))
