"""A dataset whose config points at no samples, or at no images, stops
when it is built.

MMPose's datasets read their annotation file when built but open no image
until a batch is loaded: a wrong ``data_root`` or ``data_prefix.img`` then
fails after training has started - for a validation set, at the end of the
first epoch. An annotation file that holds no people (another JSON file)
fails inside MMEngine with ``need at least one array to concatenate``.
After importing mmpose_kd, a COCO-style or MPII dataset checks its sample
list once it is loaded: it must not be empty (``ValueError`` naming the
annotation file, as MMEngine's own error is a ValueError), and its first
sample's image must exist (``FileNotFoundError``, what opening the image
would raise, naming the file, ``data_root`` and ``data_prefix.img``). One
file is looked up, not each image: single missing images are left to the
loader.

Importing this module patches nothing: :func:`mmpose_kd.compat.apply_all`
applies :func:`check_sample_lists` (the shim ``sample_list_errors``).
"""
import functools
import os.path as osp

from mmpose.datasets.datasets.base import BaseCocoStyleDataset

_MARK = '_mmpose_kd_checks_sample_list'


def check_sample_list(dataset, data_list) -> None:
    """Raise unless ``data_list`` has samples and its first local image
    exists."""
    name = type(dataset).__name__
    if not data_list:
        raise ValueError(
            f'{name}: annotation file {dataset.ann_file!r} gives no samples '
            '(no people with keypoints, or none left by `filter_cfg`): is it '
            'the annotation file of this dataset?')
    path = data_list[0].get('img_path')
    if not isinstance(path, str) or '://' in path or osp.isfile(path):
        return
    prefix = (getattr(dataset, 'data_prefix', None) or {}).get('img')
    raise FileNotFoundError(
        f'{name}: image {path!r} of the first sample does not exist: check '
        f'`data_root` ({dataset.data_root!r}) and `data_prefix.img` '
        f'({prefix!r}).')


def check_sample_lists(dataset_cls: type = BaseCocoStyleDataset) -> bool:
    """Wrap ``dataset_cls.load_data_list`` once; True if it wrapped."""
    original = dataset_cls.load_data_list
    if getattr(original, _MARK, False):
        return False

    @functools.wraps(original)
    def load_data_list(self):
        data_list = original(self)
        check_sample_list(self, data_list)
        return data_list

    setattr(load_data_list, _MARK, True)
    dataset_cls.load_data_list = load_data_list
    return True
