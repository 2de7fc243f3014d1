"""MMPose's COCO dataset over generated data: the project's default data.

:class:`SyntheticCocoDataset` is :class:`mmpose.datasets.CocoDataset` plus one
step: before loading, it makes sure ``data_root`` holds the requested split of
the synthetic set (see :mod:`mmpose_kd.datasets.synthetic`), generating it on
first use. Everything downstream (pipelines, ``CocoMetric`` with ``ann_file``
pointing at the generated json) reads the files unchanged, as real COCO.
"""
import inspect
import os.path as osp
from typing import Optional

from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmpose.datasets.datasets.body import CocoDataset

from mmpose_kd.registry import DATASETS
from .synthetic import ann_file_for, generate_synthetic_coco, image_dir_for

_GENERATE_ARGS = tuple(
    name for name in inspect.signature(generate_synthetic_coco).parameters
    if name not in ('out_dir', 'split'))


@DATASETS.register_module()
class SyntheticCocoDataset(CocoDataset):
    """COCO person keypoints, generated into ``data_root`` when missing.

    Example config::

        dataset=dict(
            type='mmpose_kd.SyntheticCocoDataset',
            data_root='data/synthetic_coco/', split='val',
            generate=dict(num_images=100, seed=0),
            test_mode=True, pipeline=val_pipeline)
        val_evaluator = dict(
            type='CocoMetric',
            ann_file='data/synthetic_coco/annotations/'
                     'person_keypoints_val.json')

    Args:
        data_root (str): Dataset root shared by the splits. Default:
            ``'data/synthetic_coco'``.
        split (str): Split name; selects ``annotations/
            person_keypoints_<split>.json`` and ``images/<split>/``.
        generate (dict, optional): Keyword arguments of
            :func:`~mmpose_kd.datasets.synthetic.generate_synthetic_coco`
            (``num_images``, ``seed``, ``image_size``, ``max_people``, ...).
            Existing data made with other values raises
            :class:`~mmpose_kd.datasets.synthetic.SyntheticDataMismatchError`.
        ann_file (str, optional): Must be left unset or equal the derived
            path; it exists so configs written for ``CocoDataset`` still work.
        data_prefix (dict, optional): Defaults to
            ``dict(img='images/<split>/')``.
        **kwargs: Other arguments of :class:`mmpose.datasets.CocoDataset`.

    Note:
        Under distributed training only rank 0 generates; the other ranks wait
        at a barrier, then verify the parameters. The generator's file lock
        and atomic renames keep concurrent writers safe regardless.
    """

    def __init__(self,
                 data_root: str = 'data/synthetic_coco',
                 split: str = 'train',
                 generate: Optional[dict] = None,
                 ann_file: Optional[str] = None,
                 data_prefix: Optional[dict] = None,
                 **kwargs):
        generate = dict(generate or {})
        unknown = sorted(set(generate) - set(_GENERATE_ARGS))
        if unknown:
            raise TypeError(
                f'{type(self).__name__}: unknown `generate` keys {unknown}; '
                f'valid keys are {list(_GENERATE_ARGS)}.')
        derived = ann_file_for(split)
        allowed = {osp.normpath(derived), osp.normpath(osp.join(data_root,
                                                                derived))}
        if ann_file and osp.normpath(ann_file) not in allowed:
            raise ValueError(
                f'{type(self).__name__}: `ann_file` is derived from `split` '
                f'({derived!r}); got {ann_file!r}.')
        self.split = split
        self.generate_cfg = generate
        self._ensure_generated(data_root)
        if data_prefix is None:
            data_prefix = dict(img=image_dir_for(split))
        super().__init__(
            ann_file=derived,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    @classmethod
    def plain_config(cls, cfg: dict) -> dict:
        """The ``CocoDataset`` config that reads the files this one wrote.

        Used when a trained model's config is exported for plain MMPose:
        ``split`` becomes the ``ann_file`` and image directory it selects,
        ``generate`` is dropped (the data must already exist).
        """
        split = cfg.get('split', 'train')
        accepted = inspect.signature(CocoDataset.__init__).parameters
        plain = {k: v for k, v in cfg.items() if k in accepted}
        plain.setdefault('data_root', 'data/synthetic_coco')
        plain['ann_file'] = ann_file_for(split)
        plain.setdefault('data_prefix', dict(img=image_dir_for(split)))
        plain['type'] = CocoDataset.__name__
        return plain

    def _ensure_generated(self, data_root: str) -> None:
        rank, world_size = get_dist_info()
        if world_size > 1 and rank != 0:
            barrier()  # wait for rank 0, then only verify
        error = None
        try:
            info = generate_synthetic_coco(
                data_root, split=self.split, **self.generate_cfg)
        except Exception as exc:  # re-raised after the barrier below
            error = exc
        if world_size > 1 and rank == 0:
            barrier()  # release the others even on failure: they re-check
        if error is not None:
            raise error
        if info['generated']:
            print_log(
                f'Generated synthetic COCO split {self.split!r} '
                f'({info["params"]["num_images"]} images) in {data_root}',
                logger='current')
