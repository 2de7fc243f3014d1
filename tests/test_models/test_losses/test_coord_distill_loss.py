import pytest
import torch
from torch import nn

import mmpose_kd  # noqa: F401
from mmpose_kd.functional import render_gaussian_heatmaps, soft_argmax_2d
from mmpose_kd.models.losses import CoordDistillLoss
from mmpose_kd.registry import MODELS

L1 = dict(type='L1Loss', use_target_weight=True)


def _teacher(batch=2, num_keypoints=5, size=(12, 16), seed=0):
    gen = torch.Generator().manual_seed(seed)
    # At least 3 sigma from the border, where soft-argmax is unbiased.
    centres = 4.5 + torch.rand(batch, num_keypoints, 2, generator=gen) * (
        torch.tensor(size) - 9)
    return render_gaussian_heatmaps(centres, size, 1.5), centres


def test_builds_from_registry_with_default_criterion():
    loss = MODELS.build(dict(type='mmpose_kd.CoordDistillLoss'))
    assert isinstance(loss, CoordDistillLoss)
    assert type(loss.criterion).__name__ == 'SmoothL1Loss'


@pytest.mark.parametrize('criterion', [
    dict(type='SmoothL1Loss', use_target_weight=True), L1,
    dict(type='MSELoss', use_target_weight=True)
])
def test_zero_when_student_equals_decoded_teacher(criterion):
    teacher, _ = _teacher()
    loss = CoordDistillLoss(criterion=criterion)
    coords, _ = soft_argmax_2d(teacher, window=loss.soft_argmax_window)
    student = coords / torch.tensor([12.0, 16.0])
    assert loss(student, teacher).item() == pytest.approx(0.0, abs=1e-12)
    assert loss(student + 0.05, teacher).item() > 1e-4


def test_pseudo_targets_are_normalised_true_centres():
    teacher, centres = _teacher()
    targets, confidence = CoordDistillLoss().pseudo_targets(teacher)
    # Within 0.05 heatmap px of the rendered centres.
    size = torch.tensor([12.0, 16.0])
    error_px = targets * size - centres
    assert error_px.abs().max() < 0.05
    assert ((confidence > 0.7) & (confidence <= 1)).all()


def test_hand_computed_value_with_confidence_and_weights():
    # W=4, H=3. Keypoint 0: all mass at (1, 2), peak 1 -> target (0.25, 2/3).
    # Keypoint 1: all mass at (3, 0), peak 0.5 -> target (0.75, 0), conf 0.5.
    teacher = torch.zeros(1, 2, 3, 4)
    teacher[0, 0, 2, 1] = 1.0
    teacher[0, 1, 0, 3] = 0.5
    student = torch.tensor([[[0.35, 2 / 3], [0.75, 0.2]]])
    # L1Loss(use_target_weight) = mean over B*K*2 of |w * (s - t)|.
    with_conf = CoordDistillLoss(criterion=L1, loss_weight=2.0)
    assert with_conf(student, teacher).item() == pytest.approx(
        2.0 * (0.1 * 1.0 + 0.2 * 0.5) / 4)
    no_conf = CoordDistillLoss(criterion=L1, use_confidence=False)
    assert no_conf(student, teacher).item() == pytest.approx(
        (0.1 + 0.2) / 4)
    weights = torch.tensor([[0.0, 1.0]])
    assert no_conf(student, teacher, weights).item() == pytest.approx(0.2 / 4)


def test_gradient_reaches_student_not_teacher():
    teacher, _ = _teacher()
    teacher.requires_grad_()
    student = torch.rand(2, 5, 2, requires_grad=True)
    CoordDistillLoss()(student, teacher).backward()
    assert teacher.grad is None
    assert student.grad is not None and student.grad.abs().sum() > 0


def test_online_use_trains_shared_trunk_and_regression_only():
    # OCD: one trunk, a heatmap branch as "teacher", a regression branch.
    trunk = nn.Conv2d(3, 8, 1)
    heatmap_branch = nn.Conv2d(8, 5, 1)
    regression_branch = nn.Linear(8, 10)
    feats = trunk(torch.rand(2, 3, 16, 12))
    heatmaps = heatmap_branch(feats)
    coords = regression_branch(feats.mean((2, 3))).view(2, 5, 2)
    CoordDistillLoss(use_confidence=False)(coords, heatmaps).backward()
    assert heatmap_branch.weight.grad is None
    assert regression_branch.weight.grad.abs().sum() > 0
    assert trunk.weight.grad.abs().sum() > 0


def test_rle_student_uses_rle_loss_with_sigma():
    teacher, _ = _teacher()
    torch.manual_seed(0)
    criterion = MODELS.build(dict(type='RLELoss', use_target_weight=True))
    loss = CoordDistillLoss(criterion=criterion, use_confidence=False)
    student = torch.rand(2, 5, 4, requires_grad=True)
    value = loss(student, teacher)
    targets, _ = loss.pseudo_targets(teacher)
    expected = criterion(student[..., :2], student[..., 2:], targets,
                         torch.ones(2, 5, 1))
    torch.testing.assert_close(value, expected)
    value.backward()
    assert student.grad[..., 2:].abs().sum() > 0  # sigma is trained too


def test_rle_output_with_plain_criterion_uses_coordinates_only():
    teacher, _ = _teacher()
    student = torch.rand(2, 5, 4, requires_grad=True)
    CoordDistillLoss()(student, teacher).backward()
    assert student.grad[..., :2].abs().sum() > 0
    assert (student.grad[..., 2:] == 0).all()


def test_rle_criterion_needs_sigma():
    loss = CoordDistillLoss(
        criterion=dict(type='RLELoss'), use_confidence=False)
    with pytest.raises(ValueError, match=r'RLELoss needs \(B, K, 4\)'):
        loss(torch.rand(2, 5, 2), _teacher()[0])


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(soft_argmax_mode='argmax'), ValueError, '`soft_argmax_mode`'),
    (dict(soft_argmax_beta=0), ValueError, '`soft_argmax_beta`'),
    (dict(soft_argmax_window=-2), ValueError, '`soft_argmax_window`'),
    (dict(loss_weight=-1), ValueError, '`loss_weight`'),
    (dict(criterion='SmoothL1Loss'), TypeError, '`criterion`'),
    (dict(criterion=dict(type='SmoothL1Loss', use_target_weight=False)),
     ValueError, '`use_confidence=True`'),
])
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=f'CoordDistillLoss: {match}'):
        CoordDistillLoss(**kwargs)


def test_shape_mismatch_names_both_shapes():
    teacher, _ = _teacher(num_keypoints=5)
    with pytest.raises(ValueError, match=r'\(2, 4, 2\).*\(2, 5, 16, 12\)'):
        CoordDistillLoss()(torch.rand(2, 4, 2), teacher)
    with pytest.raises(ValueError, match='`keypoint_weights`'):
        CoordDistillLoss()(torch.rand(2, 5, 2), teacher, torch.ones(2, 4))


@pytest.mark.parametrize('criterion', [
    dict(type='SmoothL1Loss', use_target_weight=True, loss_weight=3.0),
    dict(type='MSELoss', use_target_weight=True), L1
])
def test_confidence_weight_enters_linearly(criterion):
    # MMPose's SmoothL1Loss/MSELoss compute l(pred * w, t * w): on normalised
    # coordinates (quadratic regime) a confidence of 0.5 acted as 0.25.
    teacher, _ = _teacher()
    student = torch.rand(2, 5, 2)
    loss = CoordDistillLoss(criterion=criterion)
    full = loss(student, teacher, torch.ones(2, 5))
    half = loss(student, teacher, torch.full((2, 5), 0.5))
    assert half.item() == pytest.approx(0.5 * full.item(), rel=1e-6)
    # and per keypoint: weight w_k scales keypoint k's term by w_k.
    weights = torch.zeros(2, 5)
    weights[:, 2] = 0.3
    one_keypoint = torch.zeros(2, 5)
    one_keypoint[:, 2] = 1.0
    assert loss(student, teacher, weights).item() == pytest.approx(
        0.3 * loss(student, teacher, one_keypoint).item(), rel=1e-6)


def test_unsupported_criterion_is_refused():
    with pytest.raises(ValueError, match='`criterion` must be one of'):
        CoordDistillLoss(criterion=dict(type='WingLoss',
                                        use_target_weight=True))


def test_every_loss_decodes_with_the_same_soft_argmax_defaults():
    import inspect

    from mmpose_kd.models.losses import SkeletonDistillLoss
    defaults = [{
        name: param.default
        for name, param in inspect.signature(cls).parameters.items()
        if name.startswith('soft_argmax_')
    } for cls in (CoordDistillLoss, SkeletonDistillLoss)]
    assert defaults[0] == defaults[1]
    assert defaults[0]['soft_argmax_window'] == 6
