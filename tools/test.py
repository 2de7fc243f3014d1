"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [flags]``.

Prints the test metrics as JSON; see ``mmpose_kd/cli/test.py`` or
``--help``. Like ``tools/train.py``, a checkout's ``mmpose_kd`` wins over an
installed copy when run from the checkout.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

# Importing mmpose_kd first applies the CPU shims and registers its modules.
from mmpose_kd.cli.test import main  # noqa: E402

if __name__ == '__main__':
    main()
