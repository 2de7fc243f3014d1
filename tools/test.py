"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [flags]``.

Prints the test metrics as JSON; see ``mmpose_kd/cli/test.py`` or
``--help``. Like ``tools/train.py``, a checkout's ``mmpose_kd`` wins over an
installed copy when run from the checkout.
"""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

# Importing mmpose_kd first applies its shims and registers its modules.
from mmpose_kd.cli.test import main  # noqa: E402

if __name__ == '__main__':
    main()
