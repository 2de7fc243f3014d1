"""Argument parsing of the shipped command-line tools (``tools/*.py``).

Each module parses one tool's arguments and calls library functions from
:mod:`mmpose_kd.deploy`, :mod:`mmpose_kd.analysis` or
:mod:`mmpose_kd.visualization`; the scripts in ``tools/`` only import and
call a ``main``. The tools that drive the checkout-only benchmark harness
load it through :func:`~mmpose_kd.cli.checkout.harness_main`.
"""
