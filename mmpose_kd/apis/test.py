"""The logic behind ``tools/test.py``: evaluate a checkpoint and print metrics.

Like MMPose's ``tools/test.py``: the checkpoint becomes ``cfg.load_from`` and
MMEngine's ``Runner.test()`` loads it through its normal checkpoint path (made
weights-only safe by :mod:`mmpose_kd.compat`), runs the test loop and returns
the metrics, which are printed as JSON on the main process. ``--dump`` adds
MMEngine's ``DumpResults`` metric to save raw predictions.
"""
import argparse
import json
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from .runner_args import (add_common_args, apply_cfg_options, apply_launcher,
                          apply_work_dir, export_local_rank)

DUMP_SUFFIXES = ('.pkl', '.pickle')


def build_test_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Test (evaluate) a pose model checkpoint (mmpose_kd).')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file to evaluate')
    parser.add_argument(
        '--dump',
        help='also dump the raw predictions to this .pkl file')
    add_common_args(parser)
    return parser


def parse_test_args(
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``tools/test.py`` flags; exit with a usage error on bad ones."""
    parser = build_test_parser()
    args = parser.parse_args(argv)
    if args.dump is not None and not args.dump.endswith(DUMP_SUFFIXES):
        parser.error(f'--dump must name a {"/".join(DUMP_SUFFIXES)} file, '
                     f'got {args.dump!r}')
    export_local_rank(args)
    return args


def add_dump_metric(cfg: Config, dump_path: str) -> None:
    """Append MMEngine's ``DumpResults`` to the test evaluator(s)."""
    dump_metric = dict(type='DumpResults', out_file_path=dump_path)
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, (list, tuple)):
        cfg.test_evaluator = [*evaluator, dump_metric]
    else:
        cfg.test_evaluator = [evaluator, dump_metric]


def merge_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the parsed flags to ``cfg`` in place and return it."""
    cfg.load_from = args.checkpoint
    apply_work_dir(cfg, args.work_dir, args.config)
    apply_cfg_options(cfg, args.cfg_options)
    # After --cfg-options, which cannot address keys of an evaluator list.
    if args.dump is not None:
        add_dump_metric(cfg, args.dump)
    apply_launcher(cfg, args.launcher)
    return cfg


def build_test_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and apply the flags to it."""
    return merge_test_args(Config.fromfile(args.config), args)


def format_metrics(metrics: Dict) -> str:
    """Metrics as indented JSON (numpy scalars become Python numbers)."""
    return json.dumps({
        key: value.item() if hasattr(value, 'item') else value
        for key, value in metrics.items()
    }, indent=2, sort_keys=True)


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_test_args(argv)
    cfg = build_test_config(args)
    metrics = Runner.from_cfg(cfg).test()
    if is_main_process():
        print(format_metrics(metrics))
    return metrics
