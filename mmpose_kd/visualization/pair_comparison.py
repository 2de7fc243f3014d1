"""Teacher and student side by side on one image: skeletons and heatmaps.

Both models see the same crop (the config's test pipeline around a box).
``<stem>_skeletons.png`` draws each model's predicted skeleton on the image;
``<stem>_heatmaps.png`` shows per-keypoint maps, teacher row above student
row. A heatmap head's maps are shown as they are; a regression head's
coordinates are rendered as Gaussians at the teacher's heatmap size (what
the cross-representation losses compare); SimCC vectors as the outer
product of their x/y softmaxes.
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from mmpose_kd.functional import (normalized_to_heatmap_coords,
                                  render_gaussian_heatmaps)
from mmpose_kd.utils import topdown_batch


def head_heatmaps(outputs, heatmap_size: Sequence[int],
                  sigma: float = 2.0) -> Tensor:
    """(B, K, H, W) maps from any head's raw output (see the module doc)."""
    if isinstance(outputs, (tuple, list)):  # SimCC: (B, K, Wx), (B, K, Wy)
        x, y = (o.float().softmax(-1) for o in outputs[:2])
        return y.unsqueeze(-1) * x.unsqueeze(-2)
    if outputs.dim() == 4:
        return outputs.float()
    if outputs.dim() == 3 and outputs.shape[-1] in (2, 4):  # coords (+ sigma)
        coords = normalized_to_heatmap_coords(outputs[..., :2].float(),
                                              heatmap_size)
        return render_gaussian_heatmaps(coords, heatmap_size, sigma)
    raise ValueError(f'cannot show a head output of shape '
                     f'{tuple(outputs.shape)} as heatmaps.')


def _run(model, batch) -> Dict[str, object]:
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        outputs = model.head.forward(model.extract_feat(data['inputs']))
        result = model.test_step(batch)[0]
    return dict(outputs=outputs, crop=data['inputs'][0],
                keypoints=result.pred_instances.keypoints[0],
                scores=result.pred_instances.keypoint_scores[0])


def _draw_skeleton(ax, image, keypoints, scores, links, color, title,
                   score_thr):
    ax.imshow(image)
    for a, b in links:
        if scores[a] > score_thr and scores[b] > score_thr:
            ax.plot(*zip(keypoints[a], keypoints[b]), color=color, lw=2)
    visible = scores > score_thr
    ax.scatter(keypoints[visible, 0], keypoints[visible, 1], s=12,
               c=color, edgecolors='white', linewidths=0.5)
    ax.set_title(title, fontsize=9)
    ax.axis('off')


def compare_teacher_student(distiller, pipeline_cfg, dataset_meta: dict,
                            image: str, out_dir: str,
                            bbox: Optional[Sequence[float]] = None,
                            score_thr: float = 0.0) -> Dict[str, str]:
    """Write the two PNGs for ``image``; return their paths."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from mmcv import imread

    if not osp.isfile(image):
        raise FileNotFoundError(f'image {image!r} does not exist')
    rgb = imread(image, channel_order='rgb')
    batch = topdown_batch(pipeline_cfg, dataset_meta, image,
                          None if bbox is None else np.array([bbox]))
    distiller.eval()
    runs = {'teacher': _run(distiller.teacher, batch),
            'student': _run(distiller.student, batch)}

    os.makedirs(out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(image))[0]
    links = dataset_meta.get('skeleton_links', [])
    names = [dataset_meta['keypoint_id2name'][i]
             for i in range(dataset_meta['num_keypoints'])] \
        if 'keypoint_id2name' in dataset_meta else None
    paths = {}

    fig, axes = plt.subplots(1, 2, figsize=(8, 4.5))
    for ax, (role, run), color in zip(axes, runs.items(),
                                      ('tab:red', 'tab:blue')):
        kpts, scores = np.asarray(run['keypoints']), np.asarray(run['scores'])
        _draw_skeleton(ax, rgb, kpts, scores, links, color,
                       f'{role}: mean score {scores.mean():.2f}', score_thr)
    fig.tight_layout()
    paths['skeletons'] = osp.join(out_dir, f'{stem}_skeletons.png')
    fig.savefig(paths['skeletons'], dpi=100)
    plt.close(fig)

    t_out = runs['teacher']['outputs']
    size = tuple(t_out.shape[-1:-3:-1]) if not isinstance(
        t_out, (tuple, list)) and t_out.dim() == 4 else (48, 64)
    maps = {role: head_heatmaps(run['outputs'], size)[0]
            for role, run in runs.items()}
    num_keypoints = maps['teacher'].shape[0]
    fig, axes = plt.subplots(2, num_keypoints,
                             figsize=(1.1 * num_keypoints, 3.0),
                             squeeze=False)
    for row, role in enumerate(('teacher', 'student')):
        for k in range(num_keypoints):
            ax = axes[row][k]
            ax.imshow(maps[role][k].numpy(), cmap='viridis')
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0 and names:
                ax.set_title(names[k], fontsize=6)
        axes[row][0].set_ylabel(role, fontsize=8)
    fig.tight_layout()
    paths['heatmaps'] = osp.join(out_dir, f'{stem}_heatmaps.png')
    fig.savefig(paths['heatmaps'], dpi=100)
    plt.close(fig)
    return paths
