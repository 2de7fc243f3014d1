"""Build a teacher cache: run the teacher once over K views per instance.

For every instance of the training set and every view ``v < K``, the
config's own training pipeline runs with its random transforms seeded from
``(seed, index, v)``; the view (flip, box) is recorded just before the
crop, and the frozen teacher (eval mode, no grad, batched) runs on the
packed crop. Stored per view (docs/teacher_cache.md): the view, the
teacher's keypoints decoded by soft-argmax (heatmap pixels) with their
scores, and with ``heatmaps=True`` the heatmaps in float16. A ``done`` flag
per view is flushed after its batch, so ``resume=True`` continues an
interrupted build and ends with the arrays an uninterrupted one writes.
"""
import copy
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from mmpose_kd.functional.soft_argmax import DEFAULT_WINDOW, soft_argmax_2d
from mmpose_kd.model_parts.model_config import resolve_model_cfg
from mmpose_kd.model_parts.teacher import (TEACHER_DTYPES,
                                           load_teacher_weights, run_teacher)
from mmpose_kd.utils.remote_checkpoint import (fetch_checkpoint,
                                               is_remote_checkpoint)
from .fingerprint import (PART_NAMES, TeacherCacheMismatchError, check_part,
                          dataset_fingerprint, digest, pipeline_fingerprint,
                          teacher_fingerprint)
from .store import (FORMAT, FORMAT_VERSION, MANIFEST, TeacherCache,
                    array_specs, read_manifest)
from .views import (CROP_TRANSFORM, check_builder_pipeline, crop_transforms,
                    draw_view, transform_name)

DISTILLER_TYPES = ('PoseDistiller', 'mmpose_kd.PoseDistiller')
#: Settings of a build that must match for ``resume``.
SETTINGS = ('num_views', 'seed', 'num_instances', 'heatmaps', 'decode')


def teacher_from_config(cfg: Config, teacher_ckpt: Optional[str]
                        ) -> Tuple[ConfigDict, Optional[str], str, dict]:
    """``(teacher model cfg, checkpoint, teacher_dtype, decode settings)``.

    ``cfg`` is a distiller config (its ``teacher``) or a pose estimator's
    own config (its ``model``). Keypoints are decoded with the soft-argmax
    settings of the config's first ``CoordDistillLoss``, else its defaults.
    """
    model = cfg.model
    decode = dict(mode='linear', beta=1.0, window=DEFAULT_WINDOW)
    if model.get('type') in DISTILLER_TYPES:
        teacher = resolve_model_cfg(model['teacher'], 'teacher')
        checkpoint = teacher_ckpt or model.get('teacher_ckpt')
        dtype = model.get('teacher_dtype', 'float32')
        for loss in (model.get('distill_losses') or {}).values():
            if str(loss.get('type', '')).split('.')[-1] == \
                    'CoordDistillLoss':
                decode = dict(mode=loss.get('soft_argmax_mode', 'linear'),
                              beta=loss.get('soft_argmax_beta', 1.0),
                              window=loss.get('soft_argmax_window',
                                              DEFAULT_WINDOW))
                break
    else:
        teacher, checkpoint, dtype = ConfigDict(model), teacher_ckpt, \
            'float32'
    if checkpoint is None:
        raise ValueError(
            'no teacher checkpoint: pass --teacher-ckpt (or set the '
            "distiller config's `teacher_ckpt`); a cache of a randomly "
            'initialised teacher teaches nothing.')
    if is_remote_checkpoint(checkpoint):
        checkpoint = fetch_checkpoint(checkpoint, field='teacher_ckpt')
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'teacher checkpoint {checkpoint!r} does not exist.')
    teacher = copy.deepcopy(teacher)
    teacher.pop('init_cfg', None)
    return teacher, checkpoint, dtype, decode


def _load_teacher(teacher_cfg, checkpoint, device, allow_unsafe):
    from mmpose_kd.registry import MODELS
    teacher = MODELS.build(copy.deepcopy(teacher_cfg))
    load_teacher_weights(teacher, checkpoint, allow_unsafe)
    teacher.requires_grad_(False)
    return teacher.eval().to(device)


def _probe_heatmaps(teacher, input_size, device) -> Tuple[int, tuple]:
    """``(K, (W, H))`` of the teacher's heatmaps for a crop of
    ``input_size`` (W, H); refuses a teacher whose head gives no heatmaps."""
    width, height = input_size
    with torch.no_grad():
        out = teacher.head.forward(teacher.extract_feat(
            torch.zeros(1, 3, height, width, device=device)))
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else \
            type(out).__name__
        raise ValueError(
            'the teacher cache stores heatmap teachers (head output '
            f'(B, K, H, W)); {type(teacher.head).__name__} gives {shape}.')
    return out.shape[1], (out.shape[3], out.shape[2])


class _ViewItems(torch.utils.data.Dataset):
    """Flat ``index * V + view`` items still to build, as packed samples."""

    def __init__(self, dataset, todo: np.ndarray, num_views: int,
                 seed: int):
        self.dataset, self.todo = dataset, todo
        self.num_views, self.seed = num_views, seed

    def __len__(self):
        return len(self.todo)

    def __getitem__(self, item):
        index, view = divmod(int(self.todo[item]), self.num_views)
        data_info = self.dataset.get_data_info(index)
        data_info['dataset'] = self.dataset
        packed, record = draw_view(self.dataset.pipeline.transforms,
                                   data_info, self.seed, index, view)
        return dict(index=index, view=view, record=record,
                    inputs=packed['inputs'],
                    data_sample=packed['data_samples'])


def _open_or_create(out_dir: str, manifest: dict,
                    resume: bool) -> TeacherCache:
    if not osp.isfile(osp.join(out_dir, MANIFEST)):
        return TeacherCache.create(out_dir, manifest)
    if not resume:
        raise FileExistsError(
            f'teacher cache {out_dir!r} exists; pass --resume to continue '
            'its build, or choose another --out.')
    existing = read_manifest(out_dir)
    for part in PART_NAMES:
        check_part(out_dir, part, existing['fingerprint'][part],
                   manifest['fingerprint'][part])
    for key in SETTINGS:
        if existing.get(key) != manifest[key]:
            raise TeacherCacheMismatchError(
                f'cannot resume teacher cache {out_dir!r}: it was started '
                f'with {key}={existing.get(key)!r}, this build asks for '
                f'{manifest[key]!r}.')
    return TeacherCache.open(out_dir, writable=True, require_complete=False)


def _write_batch(cache, batch, teacher, dtype, decode, device):
    data = teacher.data_preprocessor(
        dict(inputs=[item['inputs'] for item in batch],
             data_samples=[item['data_sample'] for item in batch]), False)
    heatmaps = run_teacher(teacher, data['inputs'].to(device),
                           {'head': teacher.head},
                           TEACHER_DTYPES[dtype])['head']
    coords, scores = soft_argmax_2d(
        heatmaps, beta=decode['beta'], weighting=decode['mode'],
        window=decode['window'])
    rows = np.array([item['index'] for item in batch])
    views = np.array([item['view'] for item in batch])
    arrays = cache.arrays
    for key, column in (('view_flip', 0), ('view_float64', 1),
                        ('view_center', 2), ('view_scale', 3),
                        ('view_rotation', 4)):
        arrays[key][rows, views] = np.stack(
            [np.asarray(item['record'][column]) for item in batch])
    arrays['keypoints'][rows, views] = coords.cpu().numpy()
    arrays['scores'][rows, views] = scores.cpu().numpy()
    if cache.has_heatmaps:
        arrays['heatmaps'][rows, views] = heatmaps.cpu().numpy().astype(
            np.float16)
    # Data first, then the flags: a crash in between only redoes views.
    cache.flush(tuple(n for n in arrays if n != 'done'))
    arrays['done'][rows, views] = 1
    cache.flush(('done', ))


def build_teacher_cache(cfg: Config,
                        out_dir: str,
                        num_views: int,
                        teacher_ckpt: Optional[str] = None,
                        heatmaps: bool = False,
                        resume: bool = False,
                        batch_size: int = 32,
                        num_workers: int = 0,
                        seed: int = 0,
                        allow_transforms: Sequence[str] = (),
                        max_instances: Optional[int] = None,
                        device: str = 'cpu',
                        allow_unsafe: bool = False,
                        progress: bool = True) -> TeacherCache:
    """Build (or, with ``resume``, finish) the teacher cache of ``cfg``.

    Args:
        cfg (Config): A distiller config (its teacher, ``teacher_ckpt`` and
            training data) or a pose estimator's own config.
        out_dir (str): The cache directory to write.
        num_views (int): Views per instance, K (>= 1).
        teacher_ckpt (str, optional): Overrides the config's checkpoint.
        heatmaps (bool): Also store the heatmaps (float16), which the
            rendered-heatmap and heatmap-logit losses need.
        resume (bool): Continue the build in ``out_dir``.
        batch_size (int): Crops per teacher forward.
        num_workers (int): DataLoader worker processes for the pipeline.
        seed (int): Base seed of the views.
        allow_transforms (Sequence[str]): Transform types to accept in the
            pipeline although they cannot be replayed.
        max_instances (int, optional): Cache only the first N instances
            (for measurements and tests; training needs them all).
        device (str): Where the teacher runs.
        allow_unsafe (bool): Fully unpickle the teacher checkpoint.
        progress (bool): Show a progress bar.
    """
    import mmpose_kd  # noqa: F401 - registers the plugin's modules
    from mmengine.registry import init_default_scope
    from mmengine.utils import ProgressBar
    from mmpose_kd.registry import DATASETS
    from mmpose_kd.utils.validation import check_positive_int
    check_positive_int('build_teacher_cache', 'num_views', num_views)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    teacher_cfg, checkpoint, dtype, decode = teacher_from_config(
        cfg, teacher_ckpt)
    pipeline = list(cfg.train_dataloader.dataset.pipeline)
    check_builder_pipeline(pipeline, allow_transforms)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    teacher = _load_teacher(teacher_cfg, checkpoint, device, allow_unsafe)
    crop = next(t for t in pipeline if transform_name(t) == CROP_TRANSFORM)
    num_keypoints, heatmap_size = _probe_heatmaps(
        teacher, crop['input_size'], device)
    num_instances = len(dataset) if max_instances is None else min(
        len(dataset), max_instances)

    manifest = dict(
        format=FORMAT, version=FORMAT_VERSION,
        fingerprint=dict(
            teacher=teacher_fingerprint(teacher_cfg, checkpoint),
            dataset=dataset_fingerprint(dataset),
            pipeline=pipeline_fingerprint(crop_transforms(pipeline))),
        num_views=num_views, seed=seed, num_instances=num_instances,
        heatmaps=bool(heatmaps), decode=decode, teacher_dtype=dtype,
        num_keypoints=num_keypoints, heatmap_size=list(heatmap_size),
        keypoint_units='heatmap pixels (pixel centres at integers)',
        arrays=array_specs(num_instances, num_views, num_keypoints,
                           heatmap_size, heatmaps))
    manifest['cache_id'] = digest(
        [manifest['fingerprint']] + [manifest[k] for k in SETTINGS])[:16]
    cache = _open_or_create(out_dir, manifest, resume)
    if cache.manifest.get('complete'):
        print_log(f'teacher cache {out_dir!r} is already complete.',
                  logger='current')
        return cache
    ann_ids = cache.arrays['ann_ids']
    ann_ids[:] = [dataset.get_data_info(i).get('id', -1)
                  for i in range(num_instances)]
    cache.flush(('ann_ids', ))

    todo = np.flatnonzero(cache.arrays['done'].reshape(-1) == 0)
    loader = torch.utils.data.DataLoader(
        _ViewItems(dataset, todo, num_views, seed), batch_size=batch_size,
        num_workers=num_workers, collate_fn=list)
    bar = ProgressBar(len(todo)) if progress and len(todo) else None
    for batch in loader:
        _write_batch(cache, batch, teacher, dtype, decode, device)
        if bar is not None:
            bar.update(len(batch))
    cache.mark_complete()
    return cache
