"""Argument checks every configurable class of mmpose_kd shares.

Each returns the (converted) value or raises an error whose message starts
with the owning class or function name and names the argument, so a bad
value in a config with several losses is easy to find. Nothing here imports
torch or a registry: losses, connectors, heads and pure tensor functions
all use it. :func:`nearest_names` is the one "did you mean" of the
package: unknown arguments, module paths and schedule targets use it.
"""
import difflib
import inspect
import numbers
from typing import Iterable, List, Mapping, Optional, Sequence


def check_choice(owner: str, name: str, value, choices: Sequence):
    """Return ``value`` if it is one of ``choices``, else raise ValueError."""
    if value not in choices:
        raise ValueError(f'{owner}: `{name}` must be one of {tuple(choices)}, '
                         f'got {value!r}.')
    return value


def _check_real(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f'{owner}: `{name}` must be a number, got '
                        f'{value!r} ({type(value).__name__}).')


def check_positive_number(owner: str, name: str, value) -> float:
    """Return ``value`` as float if it is a finite number > 0."""
    _check_real(owner, name, value)
    if not 0 < value < float('inf'):
        raise ValueError(
            f'{owner}: `{name}` must be a finite number > 0, got {value!r}.')
    return float(value)


def check_non_negative_number(owner: str, name: str, value) -> float:
    """Return ``value`` as float if it is a finite number >= 0."""
    _check_real(owner, name, value)
    if not 0 <= value < float('inf'):
        raise ValueError(
            f'{owner}: `{name}` must be a finite number >= 0, got {value!r}.')
    return float(value)


def check_int(owner: str, name: str, value, minimum: int = 1,
              optional: bool = False) -> Optional[int]:
    """Return ``value`` if it is an int >= ``minimum`` (or None when
    ``optional``), else raise ValueError saying what was expected."""
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) \
            or value < minimum:
        expected = f'an int >= {minimum}'
        if optional:
            expected = 'None or ' + expected
        raise ValueError(
            f'{owner}: `{name}` must be {expected}, got {value!r}.')
    return value


def check_positive_int(owner: str, name: str, value) -> int:
    """Return ``value`` if it is an int >= 1, else raise ValueError."""
    return check_int(owner, name, value, minimum=1)


def check_window(owner: str, name: str, window) -> Optional[int]:
    """Return a soft-argmax ``window`` radius: None or an int >= 0."""
    return check_int(owner, name, window, minimum=0, optional=True)


def nearest_names(name: str, candidates: Iterable[str], n: int = 5,
                  cutoff: float = 0.4) -> List[str]:
    """The ``candidates`` closest to ``name`` (difflib ratio >= ``cutoff``),
    best first, for a "nearest valid names" hint."""
    return difflib.get_close_matches(str(name), list(candidates), n=n,
                                     cutoff=cutoff)


def accepted_arguments(cls) -> Optional[frozenset]:
    """The keyword arguments ``cls(...)`` takes: its ``__init__``'s, and
    its bases' while each ``__init__`` forwards ``**kwargs``. None when the
    chain ends in ``**kwargs`` (any name is taken)."""
    names = set()
    for klass in cls.__mro__:
        init = vars(klass).get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return frozenset(names - {'self'})
    return None


def check_known_arguments(owner: str, given: Mapping,
                          accepted: Iterable[str]) -> None:
    """Raise TypeError naming the first key of ``given`` not in
    ``accepted``, with the nearest valid names."""
    accepted = sorted(accepted)
    for key in given:
        if key not in accepted:
            near = nearest_names(key, accepted, n=3)
            hint = (f'; nearest valid names: '
                    f'{", ".join(repr(n) for n in near)}') if near else ''
            raise TypeError(
                f'{owner}: unknown argument `{key}`{hint}. It takes '
                f'{", ".join(accepted)}.')


def raise_with_field(error: Exception, field: str):
    """Raise ``error`` again, its message prefixed with the config
    ``field`` it came from (same type, chained). Errors of other than the
    builtin KeyError/TypeError/ValueError types are raised as they are:
    their constructors may take other arguments."""
    if type(error) not in (KeyError, TypeError, ValueError):
        raise error
    message = error.args[0] if len(error.args) == 1 else str(error)
    raise type(error)(f'`{field}`: {message}') from error
