"""Export a trained student as a plain MMPose model.

``python tools/export_student.py CONFIG CHECKPOINT [--out-dir DIR]`` writes
``student.pth`` and ``student_config.py`` (loadable by
``mmpose.apis.init_model``) from a runner checkpoint of a distiller or of an
OCD model; see ``mmpose_kd/deploy/export_student.py`` or ``--help``.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

# Importing mmpose_kd first applies the CPU shims and registers its modules.
from mmpose_kd.cli.export_student import main  # noqa: E402

if __name__ == '__main__':
    main()
