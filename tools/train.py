"""Train a pose model or distiller: ``python tools/train.py CONFIG [flags]``.

Flags follow MMPose's ``tools/train.py``; see ``mmpose_kd/cli/train.py`` or
``--help``. Run from a checkout, the checkout's ``mmpose_kd`` is used even
when another copy is installed; installed under ``mmpose_kd/.mim/tools`` (for
``mim train mmpose_kd``), the installed package is used.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

# Importing mmpose_kd first applies the CPU shims and registers its modules.
from mmpose_kd.cli.train import main  # noqa: E402

if __name__ == '__main__':
    main()
