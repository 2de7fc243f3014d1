"""Argument checks every configurable class of mmpose_kd shares.

Each returns the (converted) value or raises an error whose message starts
with the owning class or function name and names the argument, so a bad
value in a config with several losses is easy to find. Nothing here imports
torch or a registry: losses, connectors, heads and pure tensor functions
all use it.
"""
import numbers
from typing import Optional, Sequence


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
