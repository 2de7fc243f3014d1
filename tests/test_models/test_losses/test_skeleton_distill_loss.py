import warnings

import pytest
import torch

from mmpose_kd.models.losses import SkeletonDistillLoss
from mmpose_kd.registry import MODELS


def _one_hot(xs, width, height=1):
    """(1, K, height, width) heatmaps peaking at (x, 0); 'linear' soft-argmax
    decodes them exactly."""
    heatmaps = torch.zeros(1, len(xs), height, width)
    for k, x in enumerate(xs):
        heatmaps[0, k, 0, x] = 1.
    return heatmaps


def test_build_with_dataset_metainfo():
    with warnings.catch_warnings():
        # mmpose warns when it falls back to its bundled copy of the file.
        warnings.simplefilter('ignore')
        loss = MODELS.build(
            dict(
                type='mmpose_kd.SkeletonDistillLoss',
                metainfo=dict(from_file='configs/_base_/datasets/coco.py')))
    assert isinstance(loss, SkeletonDistillLoss)
    assert loss.links.shape == (19, 2)  # the COCO skeleton
    assert 'links' not in loss.state_dict()
    heatmaps = torch.rand(2, 17, 8, 6)
    assert loss(heatmaps, heatmaps.clone()).item() == 0.
    # An already parsed metainfo (e.g. dataset.metainfo) works too.
    parsed = SkeletonDistillLoss(metainfo=dict(skeleton_links=[(0, 1)]))
    assert parsed.links.tolist() == [[0, 1]]


def test_known_value():
    # Link (0, 1): student bone (2, 0), teacher bone (1, 0). Smooth-L1 with
    # beta 1 of (1, 0) is (0.5, 0); mean over x, y = 0.25.
    student = _one_hot([0, 2], width=4)
    teacher = _one_hot([0, 1], width=4)
    loss = SkeletonDistillLoss(skeleton_links=[(0, 1)])
    assert loss(student, teacher).item() == pytest.approx(0.25)
    # beta 2: 0.5 * 1^2 / 2 = 0.25 for x; mean 0.125.
    loss = SkeletonDistillLoss(skeleton_links=[(0, 1)], smooth_l1_beta=2.)
    assert loss(student, teacher).item() == pytest.approx(0.125)


def test_translation_invariant():
    # The whole pose shifted by 3 px keeps every bone.
    loss = SkeletonDistillLoss(skeleton_links=[(0, 1), (1, 2)])
    student = _one_hot([3, 5, 4], width=8)
    teacher = _one_hot([0, 2, 1], width=8)
    assert loss(student, teacher).item() == pytest.approx(0., abs=1e-6)


def test_keypoint_weights_zero_removes_bones():
    loss = SkeletonDistillLoss(skeleton_links=[(0, 1), (1, 2)])
    student = _one_hot([0, 2, 6], width=8)
    teacher = _one_hot([0, 1, 3], width=8)
    # Bone (0, 1) differs by 1 px (0.25), bone (1, 2) by 2 px:
    # smooth-L1 2 - 0.5 = 1.5, mean over x, y 0.75. Mean over L = 2 bones.
    assert loss(student, teacher).item() == pytest.approx((0.25 + 0.75) / 2)
    kw = torch.tensor([[1., 1., 0.]])
    assert loss(student, teacher, kw).item() == pytest.approx(0.25 / 2)
    unweighted = SkeletonDistillLoss(
        skeleton_links=[(0, 1), (1, 2)], use_keypoint_weights=False)
    assert unweighted(student, teacher, kw).item() == \
        pytest.approx((0.25 + 0.75) / 2)


def test_student_coords_rescaled_to_teacher_heatmap():
    # Student 8 px wide, keypoint 1 at x=4 -> 2 teacher px on a 4 px map.
    student = _one_hot([0, 4], width=8, height=2)
    teacher = _one_hot([0, 2], width=4)
    loss = SkeletonDistillLoss(skeleton_links=[(0, 1)])
    assert loss(student, teacher).item() == pytest.approx(0., abs=1e-6)


@pytest.mark.parametrize('mode', ['linear', 'softmax'])
def test_gradient_reaches_student_only(mode):
    student = torch.rand(2, 3, 6, 5, requires_grad=True)
    teacher = torch.rand(2, 3, 6, 5, requires_grad=True)
    loss = SkeletonDistillLoss(
        skeleton_links=[(0, 1), (1, 2)], soft_argmax_mode=mode,
        soft_argmax_beta=5.)
    loss(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_errors():
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: give exactly one of '
                       r'`skeleton_links` and `metainfo`.*got neither'):
        SkeletonDistillLoss()
    with pytest.raises(ValueError, match=r'exactly one.*got both'):
        SkeletonDistillLoss(
            skeleton_links=[(0, 1)], metainfo=dict(skeleton_links=[(0, 1)]))
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `skeleton_links` invalid'):
        SkeletonDistillLoss(skeleton_links=[])
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `skeleton_links` must '
                       r'hold keypoint indices >= 0'):
        SkeletonDistillLoss(skeleton_links=[(0, -1)])
    with pytest.raises(TypeError, match=r'SkeletonDistillLoss: `metainfo`'):
        SkeletonDistillLoss(metainfo='coco')
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `soft_argmax_mode` must '
                       r'be one of'):
        SkeletonDistillLoss(skeleton_links=[(0, 1)], soft_argmax_mode='hard')
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `soft_argmax_beta`'):
        SkeletonDistillLoss(skeleton_links=[(0, 1)], soft_argmax_beta=0)
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `smooth_l1_beta`'):
        SkeletonDistillLoss(skeleton_links=[(0, 1)], smooth_l1_beta=-1)
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `soft_argmax_window`'):
        SkeletonDistillLoss(skeleton_links=[(0, 1)], soft_argmax_window=-2)
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: `bone_weight_reduction`'):
        SkeletonDistillLoss(skeleton_links=[(0, 1)],
                            bone_weight_reduction='max')
    loss = SkeletonDistillLoss(skeleton_links=[(0, 5)])
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: the skeleton references '
                       r'keypoint index 5 but the heatmaps have 3 keypoints'):
        loss(torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 4))
    with pytest.raises(ValueError,
                       match=r'SkeletonDistillLoss: keypoint counts differ'):
        loss(torch.rand(1, 6, 4, 4), torch.rand(1, 7, 4, 4))
