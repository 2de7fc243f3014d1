import math

import pytest
import torch

import mmpose_kd  # noqa: F401
from mmpose_kd.functional import render_gaussian_heatmaps
from mmpose_kd.models.losses import RenderedHeatmapDistillLoss
from mmpose_kd.registry import MODELS

SIZE = (12, 16)  # (W, H)


def _coords(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return 0.2 + 0.6 * torch.rand(2, 5, 2, generator=gen)


def test_builds_from_registry():
    loss = MODELS.build(
        dict(type='mmpose_kd.RenderedHeatmapDistillLoss', sigma=1.5))
    assert isinstance(loss, RenderedHeatmapDistillLoss) and loss.sigma == 1.5


@pytest.mark.parametrize('mode', ['mse', 'kl'])
def test_zero_when_rendered_student_equals_teacher(mode):
    coords = _coords()
    teacher = render_gaussian_heatmaps(coords * torch.tensor(SIZE), SIZE, 2.0)
    loss = RenderedHeatmapDistillLoss(sigma=2.0, mode=mode)
    assert loss(coords, teacher).item() == pytest.approx(0.0, abs=1e-7)
    assert loss(coords + 0.1, teacher).item() > 1e-4


def test_hand_computed_mse_and_kl():
    # Heatmap W=2, H=1; student at heatmap px (0, 0) with sigma 1 renders
    # [1, exp(-1/2)]; the teacher is [0, 0].
    student = torch.zeros(1, 1, 2)
    teacher = torch.zeros(1, 1, 1, 2)
    weights = torch.tensor([[0.5]])
    rendered = torch.tensor([1.0, math.exp(-0.5)])
    mse = RenderedHeatmapDistillLoss(sigma=1.0, loss_weight=3.0)
    assert mse(student, teacher, weights).item() == pytest.approx(
        3.0 * 0.5 * rendered.pow(2).mean().item())
    # KL(P_T || P_S) with P_T uniform, P_S = softmax(rendered / tau).
    tau = 0.5
    p_s = torch.softmax(rendered / tau, dim=0)
    kl = (0.5 * torch.log(0.5 / p_s)).sum().item() * tau**2
    kl_loss = RenderedHeatmapDistillLoss(sigma=1.0, mode='kl', tau=tau)
    assert kl_loss(student, teacher).item() == pytest.approx(kl, rel=1e-5)


@pytest.mark.parametrize('mode', ['mse', 'kl'])
def test_gradient_pulls_coordinates_towards_teacher_peak(mode):
    coords = torch.tensor([[[0.5, 0.5]]])
    # Teacher peak 1 px right of and 1 px below the student.
    teacher = render_gaussian_heatmaps(
        torch.tensor([[[7.0, 9.0]]]), SIZE, 2.0).requires_grad_()
    student = coords.clone().requires_grad_()
    loss = RenderedHeatmapDistillLoss(sigma=2.0, mode=mode, tau=0.2)
    loss(student, teacher).backward()
    assert teacher.grad is None
    assert (student.grad < 0).all()  # descent increases x and y
    moved = (coords - 1e-2 * student.grad / student.grad.norm()).detach()
    assert loss(moved, teacher) < loss(coords, teacher)


def test_rle_output_renders_coordinates_only():
    coords = _coords()
    teacher = torch.rand(2, 5, 16, 12)
    student = torch.cat([coords, torch.randn(2, 5, 2)], -1).requires_grad_()
    loss = RenderedHeatmapDistillLoss()
    torch.testing.assert_close(loss(student, teacher), loss(coords, teacher))
    loss(student, teacher).backward()
    assert (student.grad[..., 2:] == 0).all()


def test_zero_keypoint_weights_give_zero_loss():
    loss = RenderedHeatmapDistillLoss()
    assert loss(_coords(), torch.rand(2, 5, 16, 12),
                torch.zeros(2, 5)).item() == 0


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(mode='l1'), ValueError, '`mode`'),
    (dict(sigma=0), ValueError, '`sigma`'),
    (dict(tau=-1.0), ValueError, '`tau`'),
    (dict(sigma='2'), TypeError, '`sigma`'),
])
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=f'RenderedHeatmapDistillLoss: {match}'):
        RenderedHeatmapDistillLoss(**kwargs)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(2, 5, 3\).*\(2, 5, 16, 12\)'):
        RenderedHeatmapDistillLoss()(
            torch.rand(2, 5, 3), torch.rand(2, 5, 16, 12))
    with pytest.raises(ValueError, match=r'\(2, 5, 2\).*\(2, 4, 16, 12\)'):
        RenderedHeatmapDistillLoss()(
            torch.rand(2, 5, 2), torch.rand(2, 4, 16, 12))
