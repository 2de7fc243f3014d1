"""Annotation files that cannot be read are named in the error.

MMPose's COCO-style datasets (``CocoDataset``, ``CrowdPoseDataset``, ...)
parse their annotation file with xtcocotools; a truncated or hand-edited
file then fails with a bare ``JSONDecodeError: Expecting value: line 1
column 13`` or ``KeyError: 'image_id'`` that does not say which file.
``MpiiDataset`` reads its own format, a JSON list of people, and given a
COCO file it fails with ``TypeError: string indices must be integers``.
After importing mmpose_kd, the same failures raise
:class:`AnnotationFileError` (a ``ValueError``) naming the dataset class, the
file and the format expected (:data:`ANNOTATION_FORMATS`; where the file's
top level is the wrong kind of JSON, what it holds instead), with the
original error chained; a missing file raises ``FileNotFoundError`` even
under ``python -O`` (MMPose checks it with ``assert``). Successful loads are
untouched.

Code written against MMPose keeps working: each raised error is also an
instance of the exception MMPose itself raises there (``KeyError``,
``AssertionError``, ...), so ``except KeyError`` still catches it.

Importing this module patches nothing: :func:`mmpose_kd.compat.apply_all`
applies :func:`name_annotation_file_in_errors` (the shim
``annotation_file_errors``) when :mod:`mmpose_kd` is imported.
"""
import functools
import json
from typing import NamedTuple, Optional

from mmengine.fileio import exists, get_local_path
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.datasets.datasets.body import MpiiDataset

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


class AnnotationFormat(NamedTuple):
    """What a dataset class's ``_load_annotations`` reads."""
    name: str  # as the error message says it
    top_level: type  # the file's top-level JSON type (dict or list)


#: The loaders wrapped, and the format each reads: the COCO loader of
#: ``BaseCocoStyleDataset`` (every subclass that does not read its own
#: format) and the MPII loader of ``MpiiDataset``.
ANNOTATION_FORMATS = {
    BaseCocoStyleDataset: AnnotationFormat('COCO keypoint data', dict),
    MpiiDataset: AnnotationFormat(
        "MMPose's MPII JSON (a list of one entry per person with 'image', "
        "'center', 'scale', 'joints' and 'joints_vis')", list),
}
_JSON_TYPES = {dict: 'a JSON object', list: 'a JSON list'}


def annotation_format(dataset_cls: type) -> AnnotationFormat:
    """The format of the nearest class in ``dataset_cls``'s MRO listed in
    :data:`ANNOTATION_FORMATS` (COCO for any other class)."""
    return next((ANNOTATION_FORMATS[cls] for cls in dataset_cls.__mro__
                 if cls in ANNOTATION_FORMATS),
                ANNOTATION_FORMATS[BaseCocoStyleDataset])


def describe_wrong_top_level(path: str, expected: type) -> Optional[str]:
    """What ``path`` holds when its top-level JSON is not ``expected``
    (e.g. "a JSON object with keys ['annotations', ...] (COCO style)");
    None when it is, or when the file does not parse."""
    try:
        with get_local_path(path) as local_path, \
                open(local_path, encoding='utf-8') as f:
            content = json.load(f)
    except (OSError, ValueError):
        return None
    if isinstance(content, expected):
        return None
    if isinstance(content, dict):
        keys = sorted(content)
        coco = ' (COCO style)' if {'images', 'annotations'} <= set(keys) \
            else ''
        return (f'a JSON object with keys {keys[:8]}'
                f'{" ..." if len(keys) > 8 else ""}{coco}')
    if isinstance(content, list):
        return f'a JSON list of {len(content)} items'
    return f'a JSON {type(content).__name__}'


def _error_message(dataset, error: Exception) -> str:
    fmt = annotation_format(type(dataset))
    message = (f'{type(dataset).__name__}: annotation file '
               f'{dataset.ann_file!r} is not valid {fmt.name} '
               f'({type(error).__name__}: {error}).')
    holds = describe_wrong_top_level(dataset.ann_file, fmt.top_level)
    if holds:
        message += (f' The file holds {holds}, not '
                    f'{_JSON_TYPES[fmt.top_level]}: is it the annotation '
                    'file of another dataset?')
    return message


def _wrap(dataset_cls: type) -> bool:
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
                _error_message(self, error), error) from error

    setattr(_load_annotations, _MARK, True)
    dataset_cls._load_annotations = _load_annotations
    return True


def name_annotation_file_in_errors(dataset_cls: Optional[type] = None
                                   ) -> bool:
    """Wrap the ``_load_annotations`` of ``dataset_cls`` (default: every
    class of :data:`ANNOTATION_FORMATS`) once; True if any was wrapped."""
    classes = [dataset_cls] if dataset_cls is not None \
        else list(ANNOTATION_FORMATS)
    return any([_wrap(cls) for cls in classes])
