"""``tools/export_student.py``: export a trained student as a plain MMPose
model (see :func:`mmpose_kd.deploy.export_student`)."""
import argparse
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmpose_kd.deploy.export_student import export_student
from mmpose_kd.utils.checkpoint import CheckpointLoadError


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Export the student of a training run (distiller or OCD '
        'model) as a plain MMPose model: student.pth + student_config.py.')
    parser.add_argument('config', help='the training config file')
    parser.add_argument(
        'checkpoint', help='a checkpoint the runner saved with that config')
    parser.add_argument(
        '--out-dir',
        help='output directory; defaults to <checkpoint dir>/student')
    parser.add_argument(
        '--allow-unsafe',
        action='store_true',
        help='fully unpickle the checkpoint (only for files you trust)')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='export even when the weights do not fit the student (missing, '
        'unexpected or shape-mismatched keys); by default that is refused')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> Tuple[str, str]:
    """Command line; a missing or unfitting file exits with its message."""
    parser = build_export_parser()
    args = parser.parse_args(argv)
    out_dir = args.out_dir or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)), 'student')
    try:
        ckpt_path, cfg_path = export_student(args.config, args.checkpoint,
                                             out_dir, args.allow_unsafe,
                                             strict=not args.non_strict)
    except (FileNotFoundError, CheckpointLoadError) as error:
        parser.exit(1, f'{parser.prog}: error: {error}\n')
    except ValueError as error:
        hint = (' Pass --non-strict to export it anyway.'
                if 'does not fit the model' in str(error) else '')
        parser.exit(1, f'{parser.prog}: error: {error}{hint}\n')
    print(f'student checkpoint: {ckpt_path}\nstudent config: {cfg_path}')
    return ckpt_path, cfg_path
