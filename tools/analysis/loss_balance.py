"""Gradient balance of a config's loss terms on the student.

``python tools/analysis/loss_balance.py CONFIG [--iters N]`` trains N
iterations and prints each loss term's gradient norm on the student and its
ratio to the task loss's, at the first and the last. The logic is in
:mod:`mmpose_kd.analysis.loss_balance`; arguments in :mod:`mmpose_kd.cli.loss_balance`.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

# Importing mmpose_kd first applies the CPU shims and registers its modules.
import mmpose_kd  # noqa: E402,F401
from mmpose_kd.cli.loss_balance import main  # noqa: E402

if __name__ == '__main__':
    main()
