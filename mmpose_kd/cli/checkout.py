"""What a harness tool does when it is run without a checkout.

The benchmark and quick-start harness (``benchmark_harness/`` at the
repository root) is not part of the installed package: it trains the recipes
in ``configs/`` with ``tools/train.py`` and writes ``benchmarks/`` and
``docs/``. ``pip install`` still ships its command-line tools (inside
``mmpose_kd/.mim/tools``, for ``mim``), so from an installed copy they stop
with a message saying so instead of an ``ImportError``.
"""
import importlib
import sys
from typing import Callable

HARNESS = 'benchmark_harness'


class CheckoutRequired(SystemExit):
    """Exit (status 2) with a message naming the tool and the fix."""


def harness_main(module: str, tool: str) -> Callable:
    """``benchmark_harness.<module>.main``, or exit saying ``tool`` needs a
    checkout when the harness cannot be found."""
    try:
        found = importlib.import_module(f'{HARNESS}.{module}')
    except ModuleNotFoundError as error:
        if error.name not in (HARNESS, f'{HARNESS}.{module}'):
            raise
        print(f'{tool} needs a checkout of mmpose_kd: it drives the '
              f'benchmark harness ({HARNESS}/), which is not installed with '
              'the package. Run it from the repository, e.g. `git clone '
              '... && cd mmpose_kd && python ' + tool + '`.',
              file=sys.stderr)
        raise CheckoutRequired(2) from None
    return found.main
