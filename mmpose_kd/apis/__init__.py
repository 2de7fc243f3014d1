from .student_config import plain_student_config

__all__ = ['plain_student_config']
