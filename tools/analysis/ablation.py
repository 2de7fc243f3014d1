"""Tabulate AP over seeds for a group of recipes: ``ikd`` or ``crd``.

``python tools/analysis/ablation.py ikd --teacher-ckpt CKPT [--seeds 0 1]
[--epochs N]``; logic in :mod:`benchmark_harness.ablation`.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from benchmark_harness.ablation import main  # noqa: E402

if __name__ == '__main__':
    main()
