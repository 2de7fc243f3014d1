"""Build a teacher cache for teacher-free distillation epochs.

``python tools/build_teacher_cache.py CONFIG --views K --out DIR
[--teacher-ckpt CKPT] [--heatmaps] [--resume]``; see
``mmpose_kd/cli/build_teacher_cache.py``, ``--help`` or
docs/teacher_cache.md.
"""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

# Importing mmpose_kd first applies its shims and registers its modules.
from mmpose_kd.cli.build_teacher_cache import main  # noqa: E402

if __name__ == '__main__':
    main()
