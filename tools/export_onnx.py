"""Export a plain MMPose student to ONNX (dynamic batch) and check parity.

``python tools/export_onnx.py STUDENT_CONFIG STUDENT_CKPT --out student.onnx
[--check-image IMG]``; see ``mmpose_kd/deploy/export_onnx.py`` or ``--help``.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if osp.isfile(osp.join(_REPO_ROOT, 'mmpose_kd', '__init__.py')):
    sys.path.insert(0, _REPO_ROOT)

from mmpose_kd.cli.export_onnx import main  # noqa: E402

if __name__ == '__main__':
    main()
