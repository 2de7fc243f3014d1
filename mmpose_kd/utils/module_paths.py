"""Resolve user-given module paths (``'backbone'``, ``'head.deconv_layers'``).

A tap names a submodule by its dotted path, optionally followed by an index
into a multi-output module, e.g. ``'backbone[-1]'``. A path that is not a
module of the model raises an error listing the nearest valid names, so a
renamed module never fails silently.
"""
import re
from typing import NamedTuple, Optional

from torch import nn

from .validation import nearest_names

_TAP_PATTERN = re.compile(r'^(?P<path>[A-Za-z_][\w.]*)(\[(?P<index>-?\d+)\])?$')


class TapSpec(NamedTuple):
    """A parsed tap: module path plus optional output index."""
    path: str
    index: Optional[int]

    def __str__(self) -> str:
        return self.path if self.index is None else f'{self.path}[{self.index}]'


def parse_tap(spec: str, field: str = 'tap') -> TapSpec:
    """Parse ``'path'`` or ``'path[index]'``; raise naming ``field`` if bad."""
    if not isinstance(spec, str):
        raise TypeError(f'`{field}` must be a module path string such as '
                        f"'backbone' or 'backbone[-1]', got {spec!r}.")
    match = _TAP_PATTERN.match(spec.strip())
    if match is None:
        raise ValueError(f'`{field}`={spec!r} is not a module path; expected '
                         "e.g. 'backbone', 'head.deconv_layers' or "
                         "'backbone[-1]'.")
    index = match.group('index')
    return TapSpec(match.group('path'), None if index is None else int(index))


def get_submodule(model: nn.Module, path: str, field: str,
                  owner: str = 'model') -> nn.Module:
    """Return ``model``'s submodule at ``path`` or raise with suggestions."""
    try:
        return model.get_submodule(path)
    except AttributeError:
        names = [name for name, _ in model.named_modules() if name]
        nearest = nearest_names(path, names)
        if not nearest:
            nearest = [n for n in names if '.' not in n]
        raise ValueError(
            f'`{field}`: {path!r} is not a module of the {owner} '
            f'({type(model).__name__}). Nearest valid names: '
            f'{", ".join(repr(n) for n in nearest)}.') from None


def select_output(output, index: Optional[int], tap: TapSpec,
                  field: str = 'tap'):
    """Pick element ``index`` of a multi-output module (last one by default);
    raise naming the config ``field`` the tap came from."""
    if isinstance(output, (tuple, list)):
        if index is None:
            return output[-1] if len(output) > 0 else output
        try:
            return output[index]
        except IndexError:
            raise IndexError(f'`{field}`={str(tap)!r}: the module returned '
                             f'{len(output)} outputs, index {index} is out '
                             'of range.') from None
    if index is not None and index not in (0, -1):
        raise IndexError(f'`{field}`={str(tap)!r}: the module returned a single '
                         f'output, cannot take index {index}.')
    return output
