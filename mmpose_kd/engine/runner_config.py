"""Checks of the Runner config parts MMEngine and MMPose read without one.

MMEngine trains zero epochs without a word, and fails deep inside a
DataLoader, a dataset or a transform on a loader setting of the wrong type
(``prefix should be a string``, ``AssertionError:``); MMPose reads
``test_cfg`` with ``dict.get``, so a misspelt key is ignored, and trains
on NaN targets from a codec with ``sigma=0``. :func:`check_runner_config`
refuses these before anything is built, with an error naming the field
(``train_cfg.max_epochs``, ``train_dataloader.dataset.data_prefix.img``,
``model.test_cfg.flip_tset``, ``model.data_preprocessor``, ...):
TypeError for a value of the wrong
type, ValueError for one out of range. Whether the data is where the
loaders say is checked when a dataset is built (:mod:`mmpose_kd.datasets.
sample_list_errors`), so a test run does not need the training images.
:func:`mmpose_kd.compat.shim_runner_config_checks` runs it on every
Runner's arguments, and :func:`check_runner_model` its model once built.
"""
from typing import Iterator, Mapping, Optional, Tuple

from mmpose_kd.utils.validation import (accepted_arguments, check_int,
                                        check_known_arguments,
                                        check_positive_number, nearest_names)

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
#: The ``test_cfg`` keys MMPose 1.3.2's models read (``grep test_cfg``).
TEST_CFG_KEYS = ('align_corners', 'blur_kernel_size', 'flip_mode',
                 'flip_test', 'input_size', 'max_instances',
                 'max_num_people', 'multiscale_test', 'nms_dist_thr',
                 'nms_joints_thr', 'output_heatmap', 'output_heatmaps',
                 'output_keypoint_indices', 'restore_heatmap_size',
                 'score_threshold', 'shift_coords', 'shift_heatmap')
#: Pose estimators whose heads read only :data:`TEST_CFG_KEYS`.
TOPDOWN_ESTIMATORS = ('TopdownPoseEstimator', )
#: Codec arguments that are sizes (W, H) or positive numbers.
CODEC_SIZES = ('input_size', 'heatmap_size')
CODEC_NUMBERS = ('sigma', 'simcc_split_ratio')


def _is_type(cfg, names) -> bool:
    return isinstance(cfg, Mapping) and \
        str(cfg.get('type', '')).split('.')[-1] in names


def check_test_cfg(field: str, model) -> None:
    """Refuse a ``test_cfg`` key a top-down pose estimator ``model`` (a
    config dict) would ignore, naming the nearest valid ones."""
    test_cfg = model.get('test_cfg') if _is_type(
        model, TOPDOWN_ESTIMATORS) else None
    if not test_cfg:
        return
    if not isinstance(test_cfg, Mapping):
        raise TypeError(f'`{field}.test_cfg` must be a dict, got '
                        f'{test_cfg!r}.')
    for key in test_cfg:
        if key not in TEST_CFG_KEYS:
            near = nearest_names(key, TEST_CFG_KEYS, n=3)
            raise ValueError(
                f'`{field}.test_cfg.{key}` is not a test setting MMPose '
                f'reads (it would be ignored); nearest valid names: '
                f'{", ".join(repr(n) for n in near) or "none"}.')


def check_pose_model(field: str, model, preprocesses: bool = True) -> None:
    """A top-down pose estimator (a config dict) needs a ``head``, and,
    where it ``preprocesses`` its own input, a ``data_preprocessor``:
    without one the backbone is fed uint8, unnormalised images."""
    if not _is_type(model, TOPDOWN_ESTIMATORS):
        return
    if model.get('head') is None:
        raise ValueError(f'`{field}.head` is missing: a top-down pose '
                         'estimator predicts (and is trained) through its '
                         'head.')
    if preprocesses and model.get('data_preprocessor') is None:
        raise ValueError(
            f'`{field}.data_preprocessor` is missing: without it the images '
            'reach the backbone as uint8, unnormalised; e.g. dict(type='
            "'PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], "
            'std=[58.395, 57.12, 57.375], bgr_to_rgb=True).')


def check_train_cfg(train_cfg) -> None:
    """``max_epochs``/``max_iters`` (and intervals) must be ints >= 1, and
    ``max_epochs`` comes with an epoch-based loop."""
    if not isinstance(train_cfg, Mapping):
        return
    if 'max_epochs' in train_cfg and 'type' not in train_cfg and \
            not train_cfg.get('by_epoch'):
        raise ValueError(
            '`train_cfg.max_epochs` needs `by_epoch=True`: without it '
            'MMEngine builds an iteration-based loop, which counts '
            f'`max_iters` (got train_cfg={dict(train_cfg)}).')
    for key in ('max_epochs', 'max_iters', 'val_interval'):
        if key in train_cfg:
            _int(f'train_cfg.{key}', train_cfg[key], 1)
    if 'val_begin' in train_cfg:
        _int('train_cfg.val_begin', train_cfg['val_begin'], 0)


def _int(field: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f'`{field}` must be an int, got {value!r}.')
    check_int('Runner', field, value, minimum)


def check_dataloader(name: str, loader) -> None:
    """A loader config's batch size, workers, dataset, paths and
    pipeline."""
    if not isinstance(loader, Mapping):
        return
    if 'batch_size' in loader:
        _int(f'{name}.batch_size', loader['batch_size'], 1)
    if 'num_workers' in loader:
        _int(f'{name}.num_workers', loader['num_workers'], 0)
    if loader.get('persistent_workers') and not loader.get('num_workers'):
        # torch refuses it deep inside DataLoader, naming neither loader
        raise ValueError(
            f'`{name}.persistent_workers=True` needs worker processes, but '
            f'`{name}.num_workers` is {loader.get("num_workers", 0)!r}: set '
            f'{name}.persistent_workers=False to load in the main process.')
    if loader.get('dataset') is None:
        raise TypeError(f'`{name}.dataset` is missing: a loader needs '
                        'dataset=dict(type=..., ...).')
    for key in ('sampler', 'dataset'):  # a config dict, or a built object
        value = loader.get(key)
        if isinstance(value, (str, list, tuple, int, float)) or (
                isinstance(value, Mapping) and 'type' not in value):
            hint = misspelt_type(f'{name}.{key}', value) \
                if isinstance(value, Mapping) else ''
            raise TypeError(f'`{name}.{key}` must be a dict with a `type`, '
                            f'got {value!r}{hint}.')
    dataset = loader.get('dataset')
    if isinstance(dataset, Mapping):
        _check_dataset(f'{name}.dataset', dataset)


def _dataset_class(type_name) -> Optional[type]:
    """The class a dataset config's ``type`` names (mmpose_kd's registry,
    falling back to MMPose's and MMEngine's), or None."""
    if isinstance(type_name, type):
        return type_name
    if not isinstance(type_name, str):
        return None
    from mmpose_kd.registry import DATASETS
    try:
        return DATASETS.get(type_name)
    except Exception:  # a scope that is not imported; built later
        return None


def check_dataset_arguments(field: str, dataset: Mapping) -> None:
    """Refuse a dataset argument its class does not take, naming the
    field and the nearest valid names (the class would raise Python's
    ``unexpected keyword argument`` naming neither the loader nor what was
    meant, e.g. ``split`` set on a plain ``CocoDataset``)."""
    cls = _dataset_class(dataset.get('type'))
    accepted = accepted_arguments(cls) if cls is not None else None
    if accepted is None:
        return
    check_known_arguments(f'`{field}` ({cls.__name__})',
                          [k for k in dataset if k not in ('type', '_scope_')],
                          accepted)


def _check_dataset(field: str, dataset: Mapping) -> None:
    check_dataset_arguments(field, dataset)
    for key in ('data_root', 'ann_file'):
        value = dataset.get(key)
        if (value is not None or key == 'ann_file' and key in dataset) and \
                not isinstance(value, str):
            raise TypeError(f'`{field}.{key}` must be a path string, got '
                            f'{value!r}.')
    if 'data_prefix' in dataset:
        prefix = dataset['data_prefix']
        if not isinstance(prefix, Mapping):
            raise TypeError(f'`{field}.data_prefix` must be a dict such as '
                            f"dict(img='images/'), got {prefix!r}.")
        for key, value in prefix.items():
            if not isinstance(value, str):
                raise TypeError(f'`{field}.data_prefix.{key}` must be a '
                                f'path string, got {value!r}.')
    pipeline = dataset.get('pipeline')
    if 'pipeline' not in dataset and not {'dataset', 'datasets'} & set(
            dataset):  # a dataset wrapper's inner datasets have their own
        raise TypeError(f'`{field}.pipeline` is missing: without transforms '
                        'the loader batches raw annotation dicts.')
    if 'pipeline' in dataset:
        if not pipeline or not isinstance(pipeline, (list, tuple)):
            raise TypeError(f'`{field}.pipeline` must be a list of '
                            f'transforms, got {pipeline!r}.')
        for i, transform in enumerate(pipeline):
            if not callable(transform) and not (
                    isinstance(transform, Mapping) and 'type' in transform):
                raise TypeError(f'`{field}.pipeline[{i}]` must be a '
                                'transform dict with a `type`, got '
                                f'{transform!r}.')


def _codecs(node, path: str) -> Iterator[Tuple[str, Mapping]]:
    """Every dict below ``node`` that holds codec settings, by field."""
    if isinstance(node, Mapping):
        if any(k in node for k in CODEC_SIZES + CODEC_NUMBERS):
            yield path, node
        for key, value in node.items():
            yield from _codecs(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _codecs(value, f'{path}[{i}]')


def check_codecs(parts: Mapping) -> None:
    """Codec and crop settings in the model and the loaders' pipelines:
    sizes are two ints >= 1, ``sigma`` and ``simcc_split_ratio`` are > 0,
    and every ``input_size`` is the same (the crop, the targets and the
    model's decoding must agree)."""
    sizes = {}
    for name, part in parts.items():
        for field, cfg in _codecs(part, name):
            for key in CODEC_SIZES:
                if key in cfg:
                    _check_size(f'{field}.{key}', cfg[key])
            for key in CODEC_NUMBERS:
                values = cfg.get(key)
                for value in values if isinstance(values, (list, tuple)) \
                        else [values] if key in cfg else []:
                    check_positive_number(f'`{field}`', key, value)
            if 'input_size' in cfg:
                sizes[f'{field}.input_size'] = tuple(cfg['input_size'])
    if len(set(sizes.values())) > 1:
        listed = ', '.join(f'{f}={s}' for f, s in sizes.items())
        raise ValueError(f'input sizes differ: {listed}. The crop '
                         '(TopdownAffine), the targets and the model\'s '
                         'codec must use one input size.')


def _check_size(field: str, value) -> None:
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1
            for v in value):
        raise (ValueError if isinstance(value, (list, tuple)) else
               TypeError)(f'`{field}` must be (width, height), two ints '
                          f'>= 1, got {value!r}.')


def check_has_type(field: str, cfg: Mapping) -> None:
    """A model config names its class in ``type``; without it MMEngine's
    KeyError prints the whole config and no field."""
    if 'type' in cfg:
        return
    raise KeyError(f'`{field}.type` is missing: the config must name the '
                   'model class, e.g. type=\'TopdownPoseEstimator\''
                   + (misspelt_type(field, cfg) or '.'))


def misspelt_type(field: str, cfg: Mapping) -> str:
    """``'; is `field.tpye` a misspelling of it?'`` for the key of ``cfg``
    nearest to ``type``, or ``''``."""
    near = nearest_names('type', [k for k in cfg if isinstance(k, str)],
                         n=1, cutoff=0.5)
    return f'; is `{field}.{near[0]}` a misspelling of it?' if near else ''


def check_runner_config(model=None, train_cfg=None, **loaders) -> None:
    """Check the Runner arguments above (unknown ones are ignored)."""
    check_train_cfg(train_cfg)
    parts = {}
    if isinstance(model, Mapping):
        check_has_type('model', model)
        for part in ('student', 'teacher'):
            if isinstance(model.get(part), Mapping):
                check_has_type(f'model.{part}', model[part])
        check_test_cfg('model', model)
        check_pose_model('model', model)
        for part in ('student', 'teacher'):  # a distiller's, when inline
            if isinstance(model.get(part), Mapping):
                check_test_cfg(f'model.{part}', model[part])
                # the teacher sees the student's input; the student's
                # preprocessor is the distiller's unless it sets its own
                check_pose_model(f'model.{part}', model[part], part ==
                                 'student' and model.get(
                                     'data_preprocessor') is None)
        parts['model'] = model
    for name in LOADERS:
        if name in loaders:
            check_dataloader(name, loaders[name])
            dataset = (loaders[name] or {}).get('dataset') if isinstance(
                loaders[name], Mapping) else None
            if isinstance(dataset, Mapping):
                parts[f'{name}.dataset.pipeline'] = \
                    dataset.get('pipeline') or []
    check_codecs(parts)


def check_runner_model(model) -> None:
    """Once the Runner has built its model: each pose model in it (a
    distiller's student and teacher) fits together at its codec's input
    size (:func:`~mmpose_kd.models.forward_check.check_forward_shapes`)."""
    from mmengine.model import is_model_wrapper

    from mmpose_kd.models.forward_check import check_forward_shapes
    model = model.module if is_model_wrapper(model) else model
    if getattr(model, 'student', None) is None:
        check_forward_shapes(model, 'model')
        return
    for part in ('student', 'teacher'):
        if getattr(model, part, None) is not None:
            check_forward_shapes(getattr(model, part), f'model.{part}')
