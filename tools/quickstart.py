"""Train the quick-start teacher, student and distilled student; print APs.

``python tools/quickstart.py [--work-dir DIR] [--epochs N] [--seed S]``; the
logic is in :mod:`benchmark_harness.quickstart`.
"""
import os.path as osp
import sys

_REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, _REPO_ROOT)

from benchmark_harness.quickstart import main  # noqa: E402

if __name__ == '__main__':
    main()
