"""Train a pose model or distiller: ``python tools/train.py CONFIG [flags]``.

Flags follow MMPose's ``tools/train.py``; see ``mmpose_kd/cli/train.py`` or
``--help``. Run from a checkout, the checkout's ``mmpose_kd`` is used even
when another copy is installed; installed under ``mmpose_kd/.mim/tools`` (for
``mim train mmpose_kd``), the installed package is used.
"""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

# Importing mmpose_kd first applies its shims and registers its modules.
from mmpose_kd.cli.train import main  # noqa: E402

if __name__ == '__main__':
    main()
