from .export_student import export_student, save_plain_student
from .student_config import plain_student_config

__all__ = ['export_student', 'plain_student_config', 'save_plain_student']
