"""Training-step cost of our distiller vs the student, the teacher and
DWPoseDistiller; see ``benchmark_harness/benchmark_steps.py`` or ``--help``."""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

from benchmark_harness.benchmark_steps import main  # noqa: E402

if __name__ == '__main__':
    main()
