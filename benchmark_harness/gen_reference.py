"""Generate ``docs/reference.md``: every registered class and its arguments.

The reference is built from the classes themselves - the registry lists the
classes, ``inspect.signature`` gives each argument and its default, and the
``Args:`` section of the class docstring gives the description - so it
cannot drift from the code silently: ``tests/test_docs`` regenerates it and
compares. Run ``python tools/docs/gen_reference.py`` after changing an
argument.
"""
import inspect
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from mmpose_kd.utils.markdown import markdown_table
from . import REPO_ROOT

REFERENCE = osp.join(REPO_ROOT, 'docs', 'reference.md')
SECTIONS = (
    ('Distillers', 'MODELS', ('PoseDistiller', )),
    ('Heads', 'MODELS', ('CrossRepresentationHead', 'DownsizedRegressionHead')),
    ('Losses', 'MODELS', ('HeatmapLogitDistillLoss', 'FeatureDistillLoss',
                          'KeypointRelationDistillLoss',
                          'PixelPairDistillLoss', 'SkeletonDistillLoss',
                          'SimCCLogitDistillLoss', 'CoordDistillLoss',
                          'RenderedHeatmapDistillLoss')),
    ('Connectors', 'MODELS', ('ConvBNConnector', 'ConvConnector',
                              'IdentityConnector')),
    ('Hooks', 'HOOKS', ('ChannelsLastHook', 'DistillLossWeightHook',
                        'LossBalanceHook', 'ResumeValidationHook',
                        'SafeCheckpointHook', 'StudentCheckpointHook',
                        'TeacherCacheHook')),
    ('Optimizer wrappers', 'OPTIM_WRAPPERS', ('CPUAmpOptimWrapper', )),
    ('Transforms', 'TRANSFORMS', ('ReplayTeacherCacheView',
                                  'PackPoseInputsWithTeacherCache')),
    ('Datasets', 'DATASETS', ('SyntheticCocoDataset', )),
)
_ARG_LINE = re.compile(r'^(\*{0,2}\w+)\s*(\(([^)]*)\))?\s*:\s*(.*)$')


def docstring_args(cls) -> Dict[str, str]:
    """``name -> description`` from the ``Args:`` sections of ``cls`` and
    its bases (a subclass's own description wins)."""
    args = {}
    for klass in reversed(cls.__mro__):
        args.update(_own_docstring_args(klass))
    return args


def _own_docstring_args(cls) -> Dict[str, str]:
    doc = inspect.cleandoc(cls.__doc__ or '')
    args, name, in_args = {}, None, False
    for line in doc.splitlines():
        if line.strip() == 'Args:':
            in_args = True
            continue
        if not in_args:
            continue
        if line and not line.startswith(' '):  # the next section
            break
        stripped = line.strip()
        match = _ARG_LINE.match(stripped) if line.startswith('    ') and \
            not line.startswith('        ') else None
        if match:
            name = match.group(1).lstrip('*')
            args[name] = match.group(4)
        elif name and stripped:
            args[name] += ' ' + stripped
    return args


def init_arguments(cls) -> List[inspect.Parameter]:
    params = inspect.signature(cls.__init__).parameters.values()
    return [p for p in params if p.name != 'self'
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _default(param: inspect.Parameter) -> str:
    if param.default is inspect.Parameter.empty:
        return 'required'
    return f'`{param.default!r}`'


def class_section(cls, scope: str = 'mmpose_kd') -> str:
    summary = inspect.cleandoc(cls.__doc__ or '').split('\n\n')[0]
    summary = ' '.join(summary.split())
    described = docstring_args(cls)
    lines = [f'### `{scope}.{cls.__name__}`', '', summary, '',
             f'Defined in `{cls.__module__}`.', '']
    arguments = init_arguments(cls)
    if not arguments:
        lines.append('No arguments.')
        return '\n'.join(lines) + '\n'
    lines += markdown_table(
        ('argument', 'default', 'description'),
        ((f'`{param.name}`', _default(param),
          described.get(param.name, '(see the class docstring)').replace(
              '|', '\\|')) for param in arguments))
    return '\n'.join(lines) + '\n'


def render_reference() -> str:
    import mmpose_kd  # noqa: F401 - registers the classes
    from mmpose_kd import registry
    parts = [
        '# Argument reference', '',
        'Every class mmpose_kd registers, with its config arguments. '
        'Generated from the code by `python tools/docs/gen_reference.py` '
        '(do not edit by hand; a test fails when it is stale). Use a class '
        'in a config as `type=\'mmpose_kd.<Class>\'`, or as '
        '`type=\'<Class>\'` inside a dict with `_scope_=\'mmpose_kd\'`.', ''
    ]
    for title, registry_name, names in SECTIONS:
        parts += [f'## {title}', '']
        found = getattr(registry, registry_name)
        for name in names:
            parts.append(class_section(found.get(name)))
    return '\n'.join(parts)


def registered_names() -> List[str]:
    import mmpose_kd  # noqa: F401
    from mmpose_kd import registry
    return sorted(name for r in (registry.MODELS, registry.HOOKS,
                                 registry.OPTIM_WRAPPERS, registry.DATASETS,
                                 registry.TRANSFORMS)
                  for name in r.module_dict)


def main(argv: Optional[Sequence[str]] = None) -> None:
    text = render_reference()
    with open(REFERENCE, 'w') as f:
        f.write(text)
    print(f'wrote {REFERENCE}')


if __name__ == '__main__':
    main()
