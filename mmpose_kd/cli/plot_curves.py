"""Command line: ``python tools/analysis/plot_curves.py WORK_DIR [--out F]``
plots every loss term and every validation metric a run logged."""
import argparse
from typing import Optional, Sequence

from mmpose_kd.visualization import plot_training_curves


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument('--out', default=None,
                        help='PNG path (default: WORK_DIR/training_curves.png)')
    args = parser.parse_args(argv)
    print(plot_training_curves(args.work_dir, args.out))


if __name__ == '__main__':
    main()
