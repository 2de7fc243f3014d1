"""Command line: teacher vs student PNGs on one image from a distiller run.

``python tools/analysis/visualize_pair.py CONFIG [CHECKPOINT] IMAGE
[--bbox X1 Y1 X2 Y2] [--teacher-ckpt T] [--out-dir DIR]``: CONFIG is a
distiller config; CHECKPOINT a runner checkpoint of it (the student's
weights; omit to see the untrained student); the teacher is loaded from
``model.teacher_ckpt`` (or ``--teacher-ckpt``). See
:mod:`mmpose_kd.visualization.pair_comparison` for what is drawn.
"""
import argparse
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmpose_kd.models.distillers import PoseDistiller
from mmpose_kd.registry import MODELS
from mmpose_kd.utils.checkpoint import (extract_state_dict,
                                        load_state_dict_checked,
                                        safe_load_checkpoint)
from mmpose_kd.visualization import compare_teacher_student


def build_trained_distiller(config: str, checkpoint: Optional[str] = None,
                            teacher_ckpt: Optional[str] = None,
                            allow_unsafe: bool = False):
    """The distiller of ``config`` with the student of ``checkpoint``."""
    if not osp.isfile(config):
        raise FileNotFoundError(f'config {config!r} does not exist')
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
    distiller = MODELS.build(cfg.model)
    if not isinstance(distiller, PoseDistiller):
        raise TypeError(f'{config!r}: `model` builds a '
                        f'{type(distiller).__name__}, not a PoseDistiller '
                        '(there is no teacher to compare with).')
    if checkpoint is not None:
        state = extract_state_dict(
            safe_load_checkpoint(checkpoint, allow_unsafe=allow_unsafe,
                                 field='checkpoint'), prefix='student')
        load_state_dict_checked(distiller.student, state, checkpoint,
                                field='checkpoint')
    return distiller, cfg


def eval_dataset_cfg(cfg: Config):
    """The test (else val) dataset config: its pipeline makes the crop."""
    for loader in ('test_dataloader', 'val_dataloader'):
        if cfg.get(loader):
            return cfg[loader].dataset
    raise ValueError('the config has neither `test_dataloader` nor '
                     '`val_dataloader`: its test pipeline is needed.')


def dataset_meta(cfg: Config) -> dict:
    from mmpose.apis.inference import dataset_meta_from_config
    cfg = cfg.copy()
    cfg.test_dataloader = dict(dataset=eval_dataset_cfg(cfg))
    meta = dataset_meta_from_config(cfg, dataset_mode='test')
    if meta is None:
        from mmpose.datasets.datasets.utils import parse_pose_metainfo
        meta = parse_pose_metainfo(
            dict(from_file='configs/_base_/datasets/coco.py'))
    return meta


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='distiller config')
    parser.add_argument('paths', nargs='+', metavar='[CHECKPOINT] IMAGE')
    parser.add_argument('--bbox', type=float, nargs=4, default=None,
                        metavar=('X1', 'Y1', 'X2', 'Y2'),
                        help='person box (default: the whole image)')
    parser.add_argument('--teacher-ckpt', default=None)
    parser.add_argument('--out-dir', default='vis_pair')
    parser.add_argument('--allow-unsafe', action='store_true',
                        help='fully unpickle CHECKPOINT (trusted files only)')
    args = parser.parse_args(argv)
    if len(args.paths) > 2:
        parser.error('expected [CHECKPOINT] IMAGE')
    checkpoint = args.paths[0] if len(args.paths) == 2 else None
    image = args.paths[-1]
    distiller, cfg = build_trained_distiller(
        args.config, checkpoint, args.teacher_ckpt, args.allow_unsafe)
    paths = compare_teacher_student(
        distiller, eval_dataset_cfg(cfg).pipeline, dataset_meta(cfg),
        image, args.out_dir, args.bbox)
    for kind, path in paths.items():
        print(f'{kind}: {path}')


if __name__ == '__main__':
    main()
