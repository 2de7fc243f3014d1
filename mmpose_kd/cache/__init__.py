"""Teacher-free epochs: the teacher's targets cached once, then replayed.

:func:`build_teacher_cache` runs the frozen teacher over K augmented views
of every training instance and stores the views and the teacher's outputs
(:class:`TeacherCache`, memory-mapped ``.npy`` arrays and a manifest with a
fingerprint). In training, :class:`ReplayTeacherCacheView` makes one of the
stored views per instance and epoch and
:class:`PackPoseInputsWithTeacherCache` carries the targets to
``PoseDistiller(teacher_cache=...)``, which then never runs the teacher.
See docs/teacher_cache.md.
"""
from .builder import build_teacher_cache
from .fingerprint import TeacherCacheMismatchError
from .store import TeacherCache, TeacherCacheFileError
from .transforms import (TARGETS_KEY, PackPoseInputsWithTeacherCache,
                         ReplayTeacherCacheView)

__all__ = [
    'build_teacher_cache', 'TeacherCache', 'TeacherCacheFileError',
    'TeacherCacheMismatchError', 'ReplayTeacherCacheView',
    'PackPoseInputsWithTeacherCache', 'TARGETS_KEY'
]
