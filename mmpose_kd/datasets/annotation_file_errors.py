"""Annotation files that cannot be read are named in the error.

MMPose's COCO-style datasets (``CocoDataset``, ``CrowdPoseDataset``, ...)
parse their annotation file with xtcocotools; a truncated or hand-edited
file then fails with a bare ``JSONDecodeError: Expecting value: line 1
column 13`` or ``KeyError: 'image_id'`` that does not say which file. After
importing mmpose_kd, the same failures raise :class:`AnnotationFileError`
(a ``ValueError``) naming the dataset class and the file, with the original
error chained; a missing file raises ``FileNotFoundError`` even under
``python -O`` (MMPose checks it with ``assert``). Successful loads are
untouched.

Code written against MMPose keeps working: each raised error is also an
instance of the exception MMPose itself raises there (``KeyError``,
``AssertionError``, ...), so ``except KeyError`` still catches it.

Importing this module patches nothing: :func:`mmpose_kd.compat.apply_all`
applies :func:`name_annotation_file_in_errors` (the shim
``annotation_file_errors``) when :mod:`mmpose_kd` is imported.
"""
import functools

from mmengine.fileio import exists
from mmpose.datasets.datasets.base import BaseCocoStyleDataset

_MARK = '_mmpose_kd_names_annotation_file'


class AnnotationFileError(ValueError):
    """An annotation file exists but is not valid COCO keypoint data.

    Raised as a subclass that also derives from the original error's type
    (see :func:`annotation_file_error_type`).
    """

    def __str__(self):  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ''


class AnnotationFileNotFoundError(FileNotFoundError, AssertionError):
    """A missing annotation file; MMPose signals it with ``assert``."""


@functools.lru_cache(maxsize=None)
def annotation_file_error_type(original: type) -> type:
    """An :class:`AnnotationFileError` that is also an ``original``."""
    if issubclass(original, AnnotationFileError):
        return original

    def __init__(self, message, cause=None):
        # Some originals take other arguments (JSONDecodeError: msg, doc,
        # pos); keep their attributes, but the message is ours.
        Exception.__init__(self, message)
        self.__dict__.update(vars(cause) if cause is not None else {})

    return type(f'Annotation{original.__name__}',
                (AnnotationFileError, original),
                dict(__init__=__init__, __module__=__name__))


def name_annotation_file_in_errors(dataset_cls=BaseCocoStyleDataset) -> bool:
    """Wrap ``dataset_cls._load_annotations`` once; True if it wrapped."""
    original = dataset_cls._load_annotations
    if getattr(original, _MARK, False):
        return False

    @functools.wraps(original)
    def _load_annotations(self):
        if not exists(self.ann_file):
            raise AnnotationFileNotFoundError(
                f'{type(self).__name__}: annotation file {self.ann_file!r} '
                'does not exist (check `data_root` and `ann_file`).')
        try:
            return original(self)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError,
                AssertionError) as error:  # xtcocotools asserts the format
            raise annotation_file_error_type(type(error))(
                f'{type(self).__name__}: annotation file {self.ann_file!r} '
                f'is not valid COCO keypoint data ({type(error).__name__}: '
                f'{error}).', error) from error

    setattr(_load_annotations, _MARK, True)
    dataset_cls._load_annotations = _load_annotations
    return True

