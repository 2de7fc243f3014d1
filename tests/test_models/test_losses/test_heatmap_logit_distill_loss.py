import math

import pytest
import torch

from mmpose_kd.models.losses import HeatmapLogitDistillLoss
from mmpose_kd.registry import MODELS


def _pair():
    # B=1, K=2, 2 x 2 heatmaps; student all zeros.
    teacher = torch.tensor([[[[1., 0.], [0., 0.]], [[2., 2.], [0., 0.]]]])
    return torch.zeros_like(teacher), teacher


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='mmpose_kd.HeatmapLogitDistillLoss', mode='kl', tau=2.))
    assert isinstance(loss, HeatmapLogitDistillLoss)
    assert loss.mode == 'kl' and loss.tau == 2.


@pytest.mark.parametrize('mode', ['mse', 'kl'])
def test_zero_when_equal(mode):
    heatmaps = torch.rand(2, 3, 4, 5)
    loss = HeatmapLogitDistillLoss(mode=mode)
    value = loss(heatmaps, heatmaps.clone()).item()
    assert value == pytest.approx(0., abs=1e-7)


def test_mse_known_value_and_keypoint_weights():
    student, teacher = _pair()
    loss = HeatmapLogitDistillLoss(mode='mse', loss_weight=2.)
    # Per keypoint mean_hw: 1/4 and (4 + 4)/4 = 2; mean over B*K = 1.125.
    assert loss(student, teacher).item() == pytest.approx(2 * 1.125)
    # Zero weight on keypoint 1 removes it; still divided by B*K = 2.
    kw = torch.tensor([[1., 0.]])
    assert loss(student, teacher, kw).item() == pytest.approx(2 * 0.125)
    unweighted = HeatmapLogitDistillLoss(use_keypoint_weights=False)
    assert unweighted(student, teacher, kw).item() == pytest.approx(1.125)


def test_kl_known_value_with_temperature():
    # One keypoint, 1 x 2 heatmap: P_T = (1/4, 3/4), P_S = (1/2, 1/2).
    teacher = torch.tensor([[[[0., math.log(3.)]]]])
    student = torch.zeros_like(teacher)
    kl = 0.25 * math.log(0.25 / 0.5) + 0.75 * math.log(0.75 / 0.5)
    loss = HeatmapLogitDistillLoss(mode='kl')
    assert loss(student, teacher).item() == pytest.approx(kl, rel=1e-5)
    # tau = 2 halves the logits: P_T = (1, sqrt 3) / (1 + sqrt 3); x tau^2.
    p1 = 1 / (1 + math.sqrt(3))
    p2 = 1 - p1
    kl2 = p1 * math.log(p1 / 0.5) + p2 * math.log(p2 / 0.5)
    loss = HeatmapLogitDistillLoss(mode='kl', tau=2.)
    assert loss(student, teacher).item() == pytest.approx(4 * kl2, rel=1e-5)


@pytest.mark.parametrize('mode', ['mse', 'kl'])
def test_gradient_reaches_student_only(mode):
    student = torch.rand(2, 3, 4, 4, requires_grad=True)
    teacher = torch.rand(2, 3, 4, 4, requires_grad=True)
    HeatmapLogitDistillLoss(mode=mode)(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_student_resized_to_teacher_size():
    teacher = torch.rand(2, 3, 8, 6)
    # A constant student map stays constant under bilinear resizing.
    student = torch.full((2, 3, 4, 3), 0.5, requires_grad=True)
    value = HeatmapLogitDistillLoss()(student, teacher)
    expected = (teacher - 0.5).pow(2).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    value.backward()
    assert student.grad.shape == (2, 3, 4, 3)


def test_errors():
    with pytest.raises(ValueError,
                       match=r"HeatmapLogitDistillLoss: `mode` must be one of "
                       r"\('mse', 'kl'\), got 'l1'"):
        HeatmapLogitDistillLoss(mode='l1')
    with pytest.raises(ValueError,
                       match=r'HeatmapLogitDistillLoss: `tau` must be a '
                       r'finite number > 0, got 0'):
        HeatmapLogitDistillLoss(tau=0)
    with pytest.raises(TypeError, match=r'HeatmapLogitDistillLoss: `tau`'):
        HeatmapLogitDistillLoss(tau='1')
    with pytest.raises(ValueError,
                       match=r'HeatmapLogitDistillLoss: `loss_weight`'):
        HeatmapLogitDistillLoss(loss_weight=-1)
    with pytest.raises(ValueError,
                       match=r'HeatmapLogitDistillLoss: `align` must be '
                       r'one of'):
        HeatmapLogitDistillLoss(align='bicubic')
    loss = HeatmapLogitDistillLoss()
    with pytest.raises(ValueError,
                       match=r'keypoint counts differ, student shape '
                       r'\(1, 2, 4, 4\) vs teacher shape \(1, 3, 4, 4\)'):
        loss(torch.rand(1, 2, 4, 4), torch.rand(1, 3, 4, 4))
    with pytest.raises(ValueError,
                       match=r'must be 4-D .*student shape \(1, 2, 4\) and '
                       r'teacher shape \(1, 2, 4, 4\)'):
        loss(torch.rand(1, 2, 4), torch.rand(1, 2, 4, 4))
    with pytest.raises(ValueError, match=r'batch sizes differ'):
        loss(torch.rand(2, 2, 4, 4), torch.rand(1, 2, 4, 4))
    with pytest.raises(ValueError,
                       match=r'`keypoint_weights` must have shape \(B, K\) = '
                       r'\(1, 2\), got \(2,\)'):
        loss(torch.rand(1, 2, 4, 4), torch.rand(1, 2, 4, 4), torch.ones(2))
    no_align = HeatmapLogitDistillLoss(align=None)
    with pytest.raises(ValueError,
                       match=r'spatial sizes differ \(student shape '
                       r'\(1, 2, 2, 2\), teacher shape \(1, 2, 4, 4\)\)'):
        no_align(torch.rand(1, 2, 2, 2), torch.rand(1, 2, 4, 4))


def test_align_spatial_follows_mmpose_heatmap_convention():
    # x2 upsample: a peak at student px (x=10, y=5) lands at (20, 10) in the
    # teacher frame (F.interpolate's half-pixel convention put it at 20.5),
    # the factor SkeletonDistillLoss applies to coordinates.
    from mmpose_kd.functional import render_gaussian_heatmaps, soft_argmax_2d
    from mmpose_kd.models.losses.utils import align_spatial
    student = render_gaussian_heatmaps(torch.tensor([[[10.0, 5.0]]]),
                                       (24, 16), 2.0)
    teacher = torch.zeros(1, 1, 32, 48)
    for mode in ('bilinear', 'nearest'):
        upsampled = align_spatial('test', student, teacher, mode)
        assert upsampled.shape == teacher.shape
        coords, _ = soft_argmax_2d(upsampled, window=8)
        torch.testing.assert_close(coords, torch.tensor([[[20.0, 10.0]]]),
                                   atol=0.02, rtol=0)
        assert upsampled[0, 0, 10, 20] == pytest.approx(1.0)
