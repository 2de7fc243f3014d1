"""Export a trained student as a plain MMPose model.

``python tools/export_student.py CONFIG CHECKPOINT [--out-dir DIR]`` writes
``student.pth`` and ``student_config.py`` (loadable by
``mmpose.apis.init_model``) from a runner checkpoint of a distiller or of an
OCD model; see ``mmpose_kd/deploy/export_student.py`` or ``--help``.
"""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

# Importing mmpose_kd first applies its shims and registers its modules.
from mmpose_kd.cli.export_student import main  # noqa: E402

if __name__ == '__main__':
    main()
