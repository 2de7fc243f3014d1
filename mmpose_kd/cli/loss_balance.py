"""``tools/analysis/loss_balance.py``: gradient balance of a config's loss
terms on the student (see :mod:`mmpose_kd.analysis.loss_balance`)."""
import argparse
from typing import List, Optional

from mmengine.config import Config, DictAction

from mmpose_kd.analysis.loss_balance import format_table, measure, ratios


def main(argv: Optional[List[str]] = None) -> List[dict]:
    parser = argparse.ArgumentParser(
        description='Gradient norm of each loss term on the student, and '
        'its ratio to the task loss, at the first and last of N training '
        'iterations.')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--iters', type=int, default=50,
                        help='training iterations (default 50)')
    parser.add_argument('--work-dir', default='work_dirs/loss_balance',
                        help='directory for the run\'s logs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. '
                        'model.teacher_ckpt=TEACHER.pth')
    parser.add_argument('--no-schedules', action='store_true',
                        help='drop the DistillLossWeightHook: measure every '
                        'term at its configured base weight, e.g. a term '
                        'whose warm-up starts from 0')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir
    rows = ratios(measure(cfg, args.iters,
                         schedules=not args.no_schedules))
    print(format_table(rows))
    return rows
