"""Gradient balance of a config's loss terms on the student.

``python tools/analysis/loss_balance.py CONFIG [--iters N]`` trains N
iterations and prints each loss term's gradient norm on the student and its
ratio to the task loss's, at the first and the last. The logic is in
:mod:`mmpose_kd.analysis.loss_balance`; arguments in :mod:`mmpose_kd.cli.loss_balance`.
"""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

# Importing mmpose_kd first applies its shims and registers its modules.
from mmpose_kd.cli.loss_balance import main  # noqa: E402

if __name__ == '__main__':
    main()
