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
    if mode == 'mse':
        map_only = RenderedHeatmapDistillLoss(sigma=2.0, padding=0)
        assert map_only(coords, teacher).item() == pytest.approx(0, abs=1e-7)
    # On the padded canvas the teacher is zero off the map, so a perfect
    # student keeps the (constant) off-map part of its Gaussian, and moving
    # away still costs more.
    loss = RenderedHeatmapDistillLoss(sigma=2.0, mode=mode)
    assert loss(coords + 0.1, teacher).item() > loss(coords, teacher).item()


def test_hand_computed_mse_and_kl():
    # Heatmap W=2, H=1; student at heatmap px (0, 0) with sigma 1 renders
    # [1, exp(-1/2)]; the teacher is [0, 0].
    student = torch.zeros(1, 1, 2)
    teacher = torch.zeros(1, 1, 1, 2)
    weights = torch.tensor([[0.5]])
    rendered = torch.tensor([1.0, math.exp(-0.5)])
    mse = RenderedHeatmapDistillLoss(sigma=1.0, padding=0, loss_weight=3.0)
    assert mse(student, teacher, weights).item() == pytest.approx(
        3.0 * 0.5 * rendered.pow(2).mean().item())
    # KL(P_T || P_S) with P_T uniform, P_S = exp(rendered / tau) / Z and Z
    # the partition of the whole Gaussian: 2 pixels + sum(exp(G / tau) - 1)
    # over the unbounded lattice (a 201 x 201 grid here).
    tau = 0.5
    grid = torch.arange(-100, 101, dtype=torch.float64)
    gauss = torch.exp(-(grid[:, None]**2 + grid[None]**2) / 2)
    partition = 2 + torch.expm1(gauss / tau).sum().float()
    p_s = torch.exp(rendered / tau) / partition
    kl = (0.5 * torch.log(0.5 / p_s)).sum().item() * tau**2
    kl_loss = RenderedHeatmapDistillLoss(
        sigma=1.0, mode='kl', tau=tau, padding=0)
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


# Starts on the border and in the corners of a 16x12 map (x, y in heatmap px).
BORDER_STARTS = [(0.0, 0.0), (0.0, 8.0), (6.0, 1.0), (6.0, 14.0),
                 (11.0, 15.0), (11.0, 0.0), (0.0, 15.0)]


def _descend(loss, start, teacher, steps=400, lr=0.05):
    """Adam on the loss alone (normalised steps: the gradient far from the
    peak is tiny but must point the right way)."""
    coords = (torch.tensor([[start]]) / torch.tensor(SIZE)).requires_grad_()
    optimizer = torch.optim.Adam([coords], lr=lr / SIZE[0])
    for step in range(steps):
        if step == steps // 2:
            for group in optimizer.param_groups:
                group['lr'] /= 10
        optimizer.zero_grad()
        loss(coords, teacher).backward()
        optimizer.step()
    return coords.detach()[0, 0] * torch.tensor(SIZE)


@pytest.mark.parametrize('mode', ['mse', 'kl'])
@pytest.mark.parametrize('peak_height', [0.3, 0.5, 0.75, 1.0])
def test_descent_from_border_reaches_teacher_peak(mode, peak_height):
    # The teacher's peak (x=6, y=8) at heights below 1, as trained heatmaps
    # have: on a map-only canvas, starts near a border settle off the map.
    peak = torch.tensor([6.0, 8.0])
    teacher = peak_height * render_gaussian_heatmaps(
        peak.view(1, 1, 2), SIZE, 2.0)
    loss = RenderedHeatmapDistillLoss(sigma=2.0, mode=mode, tau=0.1)
    for start in BORDER_STARTS:
        end = _descend(loss, start, teacher)
        assert (end - peak).norm() < 0.1, (start, end.tolist())


def test_initial_gradient_points_towards_peak_from_every_border_start():
    peak = torch.tensor([6.0, 8.0])
    teacher = 0.75 * render_gaussian_heatmaps(peak.view(1, 1, 2), SIZE, 2.0)
    loss = RenderedHeatmapDistillLoss(sigma=2.0)
    for start in BORDER_STARTS:
        coords = (torch.tensor([[start]]) /
                  torch.tensor(SIZE)).requires_grad_()
        loss(coords, teacher).backward()
        descent = -coords.grad[0, 0] * torch.tensor(SIZE)
        towards = peak - torch.tensor(start)
        cosine = torch.nn.functional.cosine_similarity(descent, towards, 0)
        assert cosine > 0.9, (start, cosine.item())


def test_padding_argument_validated_and_zero_keeps_map_only_canvas():
    with pytest.raises(ValueError, match='`padding` must be an int >= 0'):
        RenderedHeatmapDistillLoss(padding=-1)
    assert RenderedHeatmapDistillLoss(sigma=2.0).padding == 6
    assert RenderedHeatmapDistillLoss(sigma=1.5).padding == 5
