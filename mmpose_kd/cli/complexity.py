"""``tools/analysis/complexity.py``: params, FLOPs and CPU latency of a
config's teacher and student (see :mod:`mmpose_kd.analysis.complexity`)."""
import argparse
from typing import List, Optional, Sequence

import torch
from mmengine.config import Config, DictAction

from mmpose_kd.analysis.complexity import (build_model, complexity_rows,
                                           exported_student, format_table,
                                           input_shape)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Params, FLOPs and CPU latency of the teacher and '
        'student of a config (or of a plain MMPose model).')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input height and width; default: the codec input size')
    parser.add_argument(
        '--runs',
        type=int,
        default=20,
        help='timed forwards for the median latency; 0 skips timing')
    parser.add_argument(
        '--warmup', type=int, default=3, help='untimed forwards before timing')
    parser.add_argument(
        '--threads', type=int, help='torch CPU threads (default: torch\'s)')
    parser.add_argument(
        '--load',
        action='store_true',
        help='load the distiller\'s teacher_ckpt (default: build only)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. model.student.head.in_channels=64')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> List[dict]:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = build_model(cfg, load=args.load)
    shape = (3, *args.shape) if args.shape else input_shape(cfg, model)
    rows = complexity_rows(model, shape, runs=args.runs, warmup=args.warmup,
                           exported=exported_student(cfg, model))
    print(format_table(rows, shape))
    return rows
