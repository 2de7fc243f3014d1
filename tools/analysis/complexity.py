"""Params, FLOPs and CPU latency of a config's teacher and student.

``python tools/analysis/complexity.py CONFIG [--shape H W] [--runs N]``
prints a Markdown table (and the student/teacher ratios for a distiller);
no checkpoint is loaded unless ``--load``. The logic is in
:mod:`mmpose_kd.analysis.complexity`.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

# Importing mmpose_kd first applies the CPU shims and registers its modules.
import mmpose_kd  # noqa: E402,F401
from mmpose_kd.analysis.complexity import main  # noqa: E402

if __name__ == '__main__':
    main()
