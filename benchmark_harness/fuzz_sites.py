"""Where the config fuzzer edits a config: the parts, their entries, and
the registry and class behind each ``type`` (see fuzz_mutations.py)."""
from typing import List, Tuple

from .fuzz_setup import base_type

#: Hooks whose entries are mutated.
HOOK_TYPES = ('DistillLossWeightHook', 'TeacherCacheHook')
#: A place in a config: keys and list indices from the top.
Path = Tuple


def dotted(path: Path) -> str:
    out = ''
    for part in path:
        out += f'[{part}]' if isinstance(part, int) else (
            f'.{part}' if out else str(part))
    return out


def key_name(path: Path) -> str:
    """The last named component of ``path``."""
    return next(str(p) for p in reversed(path) if not isinstance(p, int))


def get(cfg, path: Path):
    for part in path:
        cfg = cfg[part]
    return cfg


def roots(cfg: dict) -> List[Path]:
    found = [(name, ) for name in ('model', 'train_dataloader',
                                   'val_dataloader', 'train_cfg')
             if isinstance(cfg.get(name), dict)]
    found += [('custom_hooks', i)
              for i, hook in enumerate(cfg.get('custom_hooks') or [])
              if base_type(hook.get('type')) in HOOK_TYPES]
    return found


def sites(cfg: dict) -> List[Tuple[Path, object]]:
    """Every (path, value) under the mutated parts, depth first."""
    out = []

    def walk(node, path):
        items = node.items() if isinstance(node, dict) else enumerate(
            node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(key, str) and key.startswith('_') or (
                    key == 'init_cfg' and 'teacher' in path):
                continue
            out.append((path + (key, ), value))
            walk(value, path + (key, ))
    for root in roots(cfg):
        walk(get(cfg, root), root)
    return out


def registry_of(path: Path) -> str:
    """The registry a ``type`` at ``path`` is looked up in."""
    keys = [p for p in path if isinstance(p, str)]
    if keys[0] == 'custom_hooks':
        return 'hook'
    if 'pipeline' in keys:
        return 'codec' if keys[-2:-1] == ['encoder'] else 'transform'
    if keys[-2:-1] in (['decoder'], ['encoder']):
        return 'codec'
    if keys[-2:-1] == ['sampler']:
        return 'sampler'
    if keys[-2:-1] == ['dataset']:
        return 'dataset'
    return 'model'


def class_named(name, type_path: Path):
    """The class ``name`` is where ``type_path`` (ending in ``'type'``)
    looks it up, or None."""
    from mmengine.registry import DATA_SAMPLERS
    from mmpose.registry import (DATASETS, HOOKS, KEYPOINT_CODECS, MODELS,
                                 TRANSFORMS)
    registry = dict(model=MODELS, hook=HOOKS, transform=TRANSFORMS,
                    dataset=DATASETS, codec=KEYPOINT_CODECS,
                    sampler=DATA_SAMPLERS)[registry_of(type_path)]
    try:
        return registry.get(name) if isinstance(name, str) else None
    except Exception:  # noqa: BLE001 - an unknown scope: no class
        return None


def class_of(cfg: dict, path: Path):
    """The class of the component dict at ``path``, or None."""
    return class_named(get(cfg, path).get('type'), path + ('type', ))


def same_role(original, other) -> bool:
    """Whether ``other`` may stand where ``original`` does (a loss for a
    loss, a head for a head): then the swap is a choice, not a mistake. A
    distillation loss must stay one: the distillers refuse others."""
    from mmpose_kd.models.losses import BaseDistillLoss
    if original is None or other is None:
        return False
    role = original.__module__.split('.')[2:3]
    if role != other.__module__.split('.')[2:3]:
        return False
    return not (issubclass(original, BaseDistillLoss)
                and not issubclass(other, BaseDistillLoss))
