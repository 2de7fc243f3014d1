"""The quick-start and benchmark harness (checkout only, not in the wheel).

It trains the shipped recipes in subprocesses through ``tools/train.py``,
reads the configs in ``configs/`` and the teacher in ``checkpoints/``, and
writes ``benchmarks/`` and ``docs/reference.md``: all of them live in a
checkout, none in an installed package. The shipped CLIs that drive it
(``tools/quickstart.py``, ``tools/analysis/{ablation,benchmark,...}.py``)
say so and stop when run from an installed copy.
"""
import os.path as osp

#: The checkout this harness belongs to: every path it reads or writes is
#: relative to it. Computed here only.
REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
