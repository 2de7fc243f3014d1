"""Params, FLOPs and CPU latency of a config's teacher and student.

``python tools/analysis/complexity.py CONFIG [--shape H W] [--runs N]``
prints a Markdown table (and the student/teacher ratios for a distiller);
no checkpoint is loaded unless ``--load``. The logic is in
:mod:`mmpose_kd.analysis.complexity`.
"""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

# Importing mmpose_kd first applies its shims and registers its modules.
from mmpose_kd.cli.complexity import main  # noqa: E402

if __name__ == '__main__':
    main()
