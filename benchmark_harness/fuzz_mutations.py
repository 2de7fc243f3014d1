"""Seeded mutations of a config, of the kinds users make.

:func:`mutate` edits one place of a runnable config (a plain dict) in one
way, chosen by a random generator seeded from ``(config, seed)`` alone, so
``--replay CONFIG:SEED`` redoes exactly that edit. The places are the parts
users edit: the ``model`` (the distiller, its student and teacher, the
distillation losses, their taps and connectors, the teacher cache), the
train/val dataloaders (datasets and pipelines), ``train_cfg`` and the
``DistillLossWeightHook``/``TeacherCacheHook`` entries of ``custom_hooks``.

Values (``wrong_type``, ``out_of_range``) are changed where this project
or MMEngine's runner reads them: the arguments of this project's classes,
the loaders, datasets and ``train_cfg``, and the values the issue names
wherever they are (weights, ``sigma``, ``temperature``, batch size, epochs,
input size); inside MMPose's own backbones, heads, codecs and transforms
only keys are dropped or misspelt, types swapped and paths broken. A
teacher's ``init_cfg`` is left alone: the distiller ignores it (its
weights come from ``teacher_ckpt``).

Each :class:`Mutation` says what a good stop names (``names``: the key, its
misspelling, the file or the type name written; for a dropped key, also
the entry that held it, unless that is a whole part such as ``model``) and
how a run that trains is judged: ``strict`` ones (a key misspelt or
unknown, a required key dropped) are harmless only if nothing built
changed; ``invalid`` ones (a value that can never be meant, a missing
file, a type of another registry, a broken student/teacher pair) must
never train.
"""
import copy
import os.path as osp
import random
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

from mmpose_kd.utils.validation import accepted_arguments
from .fuzz_setup import base_type, is_distiller
from .fuzz_sites import (Path, class_named, class_of, dotted, get,
                         key_name, same_role, sites)

KINDS = ('drop_key', 'misspell_key', 'unknown_key', 'wrong_type',
         'out_of_range', 'bad_path', 'bad_type_name', 'structural')
#: Keys whose silent loss changes the run unseen (``strict`` when dropped).
REQUIRED_KEYS = ('teacher_ckpt', 'ann_file', 'cache_dir', 'dir')
#: Entries too broad to name a key dropped from them (any error names
#: them); below them a dropped key must be named itself.
BROAD_ENTRIES = ('model', 'student', 'teacher', 'train_dataloader',
                 'val_dataloader', 'dataset', 'train_cfg', 'custom_hooks')
#: Mappings whose keys the user names (a loss name, a module path).
NAMED_MAPPINGS = ('distill_losses', 'schedules')
#: Keys holding a file (``True``) or a folder (``False``) path: the data,
#: the teacher and its cache (an ``init_cfg`` checkpoint is MMEngine's).
PATH_KEYS = {'ann_file': True, 'teacher_ckpt': True,
             'bbox_file': True, 'student': True, 'teacher': True,
             'from_file': True, 'data_root': False, 'img': False,
             'dir': False, 'cache_dir': False}
#: Values changed wherever they are (the issue's list).
NAMED_VALUES = ('loss_weight', 'student_loss_weight', 'sigma', 'temperature',
                'batch_size', 'max_epochs', 'max_iters', 'input_size')
#: Parts of a loader config the runner reads (below them: MMPose's).
LOADER_PARTS = ('dataset', 'sampler', 'data_prefix')
#: key -> (values that must be refused, values that may train).
RANGES = {
    'loss_weight': ((-1.0, ), (0.0, )),
    'student_loss_weight': ((-0.5, ), (0.0, )),
    'sigma': ((-2.0, 0.0), ()),
    'temperature': ((-1.0, 0.0), ()),
    'tau': ((-1.0, 0.0), ()),
    'soft_argmax_beta': ((-1.0, 0.0), ()),
    'beta': ((-1.0, 0.0), ()),
    'batch_size': ((0, -2), ()),
    'max_epochs': ((0, -1), ()),
    'max_iters': ((0, -1), ()),
    'num_workers': ((-1, ), ()),
    'start_factor': ((-1.0, ), (0.0, )),
    'end_factor': ((-1.0, ), (0.0, )),
    'soft_argmax_window': ((-1, ), ()),
    'view': ((-5, ), ()),
}
#: Type names per registry, for a type of another registry.
TYPE_POOLS = {
    'model': ('mmpose_kd.HeatmapLogitDistillLoss', 'mmpose_kd.ConvBNConnector',
              'ResNet', 'HeatmapHead', 'KeypointMSELoss',
              'TopdownPoseEstimator', 'mmpose_kd.PoseDistiller'),
    'transform': ('TopdownAffine', 'RandomFlip', 'PackPoseInputs'),
    'hook': ('mmpose_kd.DistillLossWeightHook', 'CheckpointHook'),
    'dataset': ('CocoDataset', 'mmpose_kd.SyntheticCocoDataset'),
    'codec': ('MSRAHeatmap', 'RegressionLabel'),
    'metric': ('CocoMetric', 'PCKAccuracy'),
    'sampler': ('DefaultSampler', 'InfiniteSampler'),
}


@dataclass(frozen=True)
class Mutation:
    """One edit of a config and how its outcome is judged."""
    kind: str
    path: str
    description: str
    names: Tuple[str, ...]
    strict: bool = False
    invalid: bool = False


def _typo(rng: random.Random, word: str) -> str:
    core = word.split('.')[-1]
    prefix = word[:len(word) - len(core)]
    i = rng.randrange(len(core) - 1)
    edits = (core[:i] + core[i + 1] + core[i] + core[i + 2:],  # swap
             core[:i] + core[i + 1:],  # drop a letter
             core[:i] + core[i] + core[i:])  # double a letter
    return prefix + rng.choice([e for e in edits if e != core] or [core + 's'])


class Mutator:
    """The mutations of one prepared config.

    Args:
        cfg (dict): The runnable config (:meth:`Workspace.prepare`).
        files (dict): Wrong-kind paths by name: ``image``, ``json``,
            ``checkpoint`` (of another model), ``empty``, ``folder`` (an
            empty one), ``other_folder`` (one with other files).
    """

    def __init__(self, cfg: dict, files: Dict[str, str]):
        self.cfg, self.files = cfg, files
        self.sites = sites(cfg)
        self.vocabulary = sorted({p[-1] for p, _ in self.sites
                                  if isinstance(p[-1], str)} - {'type'})
        self.valued = [(p, v) for p, v in self.sites if self._read_here(p)]

    def _read_here(self, path: Path) -> bool:
        """Whether this project or MMEngine's runner reads the value at
        ``path`` (see the module docstring)."""
        if path[-1] in NAMED_VALUES or path[0] in ('train_cfg',
                                                   'custom_hooks'):
            return True
        if path[0] != 'model':
            inner = [p for p in path[1:-1] if not isinstance(p, int)]
            return all(p in LOADER_PARTS for p in inner)
        for end in range(len(path) - 1, 0, -1):
            node = get(self.cfg, path[:end])
            if isinstance(node, dict) and 'type' in node:
                cls = class_of(self.cfg, path[:end])
                return cls is not None and \
                    cls.__module__.startswith('mmpose_kd')
        return False

    def kinds(self) -> Dict[str, Callable]:
        return {kind: getattr(self, kind) for kind in KINDS}

    def mutate(self, rng: random.Random) -> Tuple[dict, Mutation]:
        """A mutated copy of the config and what was done."""
        kinds = list(KINDS)
        rng.shuffle(kinds)
        for kind in kinds:
            candidates = getattr(self, kind)()
            if candidates:
                edit = rng.choice(candidates)
                cfg = copy.deepcopy(self.cfg)
                return cfg, edit(cfg, rng)
        raise ValueError('no place to mutate in this config')

    # ------------------------------------------------------------ key kinds
    def _keyed(self):
        return [(p, v) for p, v in self.sites if isinstance(p[-1], str)]

    def drop_key(self):
        def edit(path):
            def apply(cfg, rng):
                del get(cfg, path[:-1])[path[-1]]
                key = path[-1]
                strict = key in REQUIRED_KEYS and (
                    key != 'dir' or path[-2] == 'teacher_cache')
                held = key_name(path[:-1])  # the entry that held it
                names = (key, ) if held in BROAD_ENTRIES else (
                    key, f'{held}')
                return Mutation('drop_key', dotted(path),
                                f'{dotted(path)} removed', names,
                                strict=strict)
            return apply
        return [edit(p) for p, _ in self._keyed() if len(p) > 1]

    def misspell_key(self):
        def edit(path):
            def apply(cfg, rng):
                parent, key = get(cfg, path[:-1]), path[-1]
                typo = _typo(rng, key)
                while typo in parent:
                    typo = _typo(rng, typo)
                items = [(typo if k == key else k, v)
                         for k, v in parent.items()]
                parent.clear()
                parent.update(items)
                named = len(path) > 1 and path[-2] in NAMED_MAPPINGS
                return Mutation('misspell_key', dotted(path),
                                f'{dotted(path)} written {typo!r}',
                                (typo, key), strict=not named)
            return apply
        return [edit(p) for p, _ in self._keyed()
                if len(p) > 1 and len(p[-1]) > 2]

    def unknown_key(self):
        """An argument the component does not take (one of another
        component's), e.g. ``temperature`` on a loss without one."""
        def edit(path, accepted):
            def apply(cfg, rng):
                node = get(cfg, path)
                key = rng.choice([k for k in self.vocabulary
                                  if k not in node and k not in accepted])
                value = copy.deepcopy(next(v for p, v in self.sites
                                           if p[-1] == key))
                node[key] = value
                return Mutation('unknown_key', dotted(path + (key, )),
                                f'{dotted(path)} given {key}={value!r}, '
                                'which it does not take', (key, ),
                                strict=True, invalid=True)
            return apply
        found = []
        for path, value in self.sites:
            if not isinstance(value, dict) or 'type' not in value:
                continue
            cls = class_of(self.cfg, path)
            accepted = accepted_arguments(cls) if cls is not None else None
            if accepted is not None and set(self.vocabulary) - accepted - \
                    set(value):
                found.append(edit(path, accepted))
        return found

    # ---------------------------------------------------------- value kinds
    def wrong_type(self):
        def edit(path, value):
            def apply(cfg, rng):
                if isinstance(value, (int, float)):
                    new = rng.choice([str(value), None])
                elif isinstance(value, dict):
                    new = rng.choice([[value], None])
                elif isinstance(value, (list, tuple)):
                    new = rng.choice([{str(i): v for i, v in
                                       enumerate(value)}, None])
                else:  # a string setting
                    new = rng.choice([1, None])
                get(cfg, path[:-1])[path[-1]] = copy.deepcopy(new)
                return Mutation('wrong_type', dotted(path),
                                f'{dotted(path)} = {new!r} (was {value!r})'
                                [:300], (key_name(path), ),
                                invalid=new is not None)
            return apply
        return [edit(p, v) for p, v in self.valued
                if p[-1] != 'type' and not isinstance(v, bool)
                and v is not None and p[-2] not in NAMED_MAPPINGS]

    def out_of_range(self):
        def edit(path, value, new, invalid):
            def apply(cfg, rng):
                get(cfg, path[:-1])[path[-1]] = new
                return Mutation('out_of_range', dotted(path),
                                f'{dotted(path)} = {new!r} (was {value!r})',
                                (key_name(path), ), invalid=invalid)
            return apply
        found = []
        for path, value in self.valued:
            key = path[-1]
            numeric = isinstance(value, (int, float)) and not isinstance(
                value, bool)
            if numeric and key in RANGES:
                bad, fine = RANGES[key]
                found += [edit(path, value, v, True) for v in bad]
                found += [edit(path, value, v, False) for v in fine]
            elif key == 'input_size' and isinstance(value, list):
                found.append(edit(path, value,
                                  [value[0] + 3, value[1] + 5], True))
            elif key == 'end' and numeric and path[0] == 'custom_hooks':
                hook = get(self.cfg, path[:2])
                # a warm-up longer than the run (1 epoch here)
                longer = 1.5 if hook.get('by_fraction') else 10 \
                    if hook.get('by_epoch') else 1000
                found.append(edit(path, value, longer, True))
        return found

    def bad_path(self):
        """A path that does not exist, or to the wrong kind of file."""
        def edit(path, value, wrong):
            def apply(cfg, rng):
                new = rng.choice(wrong)
                get(cfg, path[:-1])[path[-1]] = new
                return Mutation('bad_path', dotted(path),
                                f'{dotted(path)} = {new!r}',
                                (key_name(path), new, osp.basename(new)),
                                invalid=True)
            return apply
        found = []
        for path, value in self.sites:
            key = path[-1]
            if key not in PATH_KEYS or not isinstance(value, str) or (
                    key == 'dir' and path[-2] != 'teacher_cache'):
                continue
            # a name of its own: MMPose finds a missing metainfo file's
            # namesake among its bundled configs (on purpose, with a warning)
            name = 'missing_' + (osp.basename(value.rstrip('/')) or 'file')
            wrong = ['/nonexistent/' + name, 'missing/' + name]
            wrong += [self.files[k] for k in (
                ('image', 'json', 'checkpoint', 'empty', 'folder')
                if PATH_KEYS[key] else ('json', 'folder', 'other_folder'))]
            if key in ('student', 'teacher'):
                wrong = ['/nonexistent/' + name, 'mmpose::no/such/config.py',
                         self.files['json']]
            found.append(edit(path, value, [w for w in wrong if w != value]))
        return found

    def bad_type_name(self):
        """A misspelt type, or one of another registry or role."""
        def edit(path, value, others):
            def apply(cfg, rng):
                name = _typo(rng, value) if rng.random() < 0.5 else \
                    rng.choice(others)
                get(cfg, path[:-1])[path[-1]] = name
                parent = key_name(path[:-1])
                return Mutation('bad_type_name', dotted(path),
                                f'{dotted(path)} = {name!r} (was {value!r})',
                                (name, base_type(name), parent,
                                 f'{parent}.type'), invalid=True)
            return apply
        found = []
        for path, value in self.sites:
            if path[-1] != 'type' or not isinstance(value, str):
                continue
            original = class_named(value, path)
            others = [n for pool in TYPE_POOLS.values() for n in pool
                      if base_type(n) != base_type(value) and not
                      same_role(original, class_named(n, path))]
            found.append(edit(path, value, others))
        return found

    # ------------------------------------------------------------ structure
    def structural(self):
        from .fuzz_structure import structural_edits
        model = self.cfg.get('model', {})
        return structural_edits(model) if is_distiller(model) else []
