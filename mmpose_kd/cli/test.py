"""The logic behind ``tools/test.py``: evaluate a checkpoint and print metrics.

Like MMPose's ``tools/test.py``: the checkpoint becomes ``cfg.load_from`` and
MMEngine's ``Runner.test()`` loads it through its normal checkpoint path (made
weights-only safe by :mod:`mmpose_kd.compat`), runs the test loop and returns
the metrics, which are printed as JSON on the main process. ``--dump`` adds
MMEngine's ``DumpResults`` metric to save raw predictions; ``--show-dir``,
``--show``, ``--interval`` and ``--wait-time`` turn on MMPose's
``PoseVisualizationHook`` as MMPose's own ``tools/test.py`` does.

Unlike MMPose, a checkpoint that does not fit the model (missing, unexpected
or shape-mismatched keys) is refused before testing, with the keys named
(:func:`mmpose_kd.utils.check_state_dict_fit`); ``--non-strict`` restores
MMEngine's behaviour (warn, load what fits, test).
"""
import argparse
import json
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.engine.hooks import PoseVisualizationHook

from mmpose_kd.utils.checkpoint import (check_state_dict_fit,
                                        extract_state_dict)
from .runner_args import (add_common_args, apply_cfg_options, apply_launcher,
                          apply_work_dir, enable_visualization,
                          export_local_rank)

DUMP_SUFFIXES = ('.pkl', '.pickle')


def build_test_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Test (evaluate) a pose model checkpoint (mmpose_kd).')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file to evaluate')
    parser.add_argument(
        '--dump',
        help='also dump the raw predictions to this .pkl file')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='test even when the checkpoint does not fit the model (MMEngine '
        'warns and loads the keys that fit); by default that is refused')
    parser.add_argument(
        '--show-dir',
        help='save a picture of the predictions for each test sample here '
        '(MMPose\'s PoseVisualizationHook; a relative path lands in '
        'WORK_DIR/TIMESTAMP/)')
    parser.add_argument(
        '--show', action='store_true', help='display the predictions')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='visualise every INTERVAL-th sample (with --show/--show-dir)')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='seconds each picture is displayed (with --show)')
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
    if args.show or args.show_dir is not None:
        enable_visualization(cfg, args.show_dir, args.show, args.wait_time,
                             args.interval)
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


def check_checkpoint_fits(runner: Runner, checkpoint: str) -> None:
    """Raise a ValueError naming the keys unless ``checkpoint`` fits exactly.

    The file is read through MMEngine's loader (weights-only here), as the
    runner will read it.
    """
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    state_dict = extract_state_dict(
        _load_checkpoint(checkpoint, map_location='cpu'))
    check_state_dict_fit(model, state_dict, checkpoint, 'checkpoint')


def pin_show_dir(runner: Runner) -> Optional[str]:
    """Fix where MMPose's visualization hook writes, and return that dir.

    ``PoseVisualizationHook`` joins ``work_dir/timestamp`` onto its
    ``out_dir`` at every test batch, so a relative directory nests deeper
    with each batch; made absolute once, all pictures land in one place.
    """
    for hook in runner.hooks:
        if isinstance(hook, PoseVisualizationHook) and hook.enable \
                and hook.out_dir is not None:
            hook.out_dir = osp.join(runner.work_dir, runner.timestamp,
                                    hook.out_dir)
            return hook.out_dir
    return None


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    parser = build_test_parser()
    args = parse_test_args(argv)
    cfg = build_test_config(args)
    runner = Runner.from_cfg(cfg)
    if not args.non_strict:
        try:
            check_checkpoint_fits(runner, args.checkpoint)
        except ValueError as error:
            parser.exit(1, f'{parser.prog}: error: {error} Pass --non-strict '
                        'to test it anyway.\n')
    show_dir = pin_show_dir(runner)
    metrics = runner.test()
    if is_main_process():
        print(format_metrics(metrics))
        if show_dir is not None:
            print(f'prediction pictures: {show_dir}')
    return metrics
