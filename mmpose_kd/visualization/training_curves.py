"""Training curves from a work dir: every loss term and every metric.

MMEngine's ``LocalVisBackend`` writes ``<work_dir>/<timestamp>/vis_data/
scalars.json`` (one JSON record per log step). A resumed run has several
timestamps; their records are concatenated in time order.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmpose_kd.utils.scalar_logs import read_records, scalars_files

Series = Dict[str, List[Tuple[int, float]]]
#: Metric keys shown in the lower panel (CocoMetric, PCKAccuracy, ...).
METRIC_PREFIXES = ('coco/', 'PCK', 'AUC', 'EPE', 'NME')


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """``(losses, metrics)``: ``name -> [(step, value)]`` of a work dir."""
    files = scalars_files(work_dir)
    if not files:
        raise FileNotFoundError(
            f'no */vis_data/scalars.json under {work_dir!r}: is it an '
            'MMEngine work dir with LocalVisBackend enabled?')
    losses: Series = {}
    metrics: Series = {}
    for path in files:
        for record in read_records(path):
            step = record.get('step', record.get('iter'))
            for key, value in record.items():
                if not isinstance(value, (int, float)):
                    continue
                if 'loss' in key:
                    losses.setdefault(key, []).append((step, value))
                elif key.startswith(METRIC_PREFIXES) and \
                        not key.endswith(('(L)', '(M)')):
                    metrics.setdefault(key, []).append((step, value))
    return losses, metrics


def plot_training_curves(work_dir: str,
                         out_file: Optional[str] = None) -> str:
    """Plot losses (log scale) and metrics of ``work_dir``; return the PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    losses, metrics = read_scalars(work_dir)
    out_file = out_file or osp.join(work_dir, 'training_curves.png')
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7))
    for name, points in sorted(losses.items()):
        steps, values = zip(*points)
        top.plot(steps, values, label=name, lw=1)
    top.set_yscale('log')
    top.set_xlabel('iteration')
    top.set_ylabel('loss')
    top.legend(fontsize=7)
    top.set_title(osp.basename(osp.normpath(work_dir)), fontsize=9)
    for name, points in sorted(metrics.items()):
        steps, values = zip(*points)
        bottom.plot(steps, values, marker='o', label=name)
    bottom.set_xlabel('epoch' if metrics else '')
    bottom.set_ylabel('metric')
    if metrics:
        bottom.legend(fontsize=7)
    else:
        bottom.text(0.5, 0.5, 'no validation logged', ha='center')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)
    return out_file
