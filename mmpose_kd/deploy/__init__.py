"""After training: the student as a plain MMPose model, and ONNX.

:mod:`.export_student` (a distiller's or OCD model's checkpoint -> plain
``student.pth`` + ``student_config.py``), :mod:`.student_config`,
:mod:`.ocd_to_regression` (CrossRepresentationHead -> its regression branch)
and :mod:`.export_onnx`.
"""
from .export_student import export_student, save_plain_student
from .student_config import plain_student_config

__all__ = ['export_student', 'plain_student_config', 'save_plain_student']
