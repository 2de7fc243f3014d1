import pytest
import torch

from mmpose_kd.models.losses import PixelPairDistillLoss
from mmpose_kd.registry import MODELS


def test_build_from_registry():
    loss = MODELS.build(dict(type='mmpose_kd.PixelPairDistillLoss', pool=4))
    assert isinstance(loss, PixelPairDistillLoss) and loss.pool == 4


def test_zero_when_equal_scale_invariant_and_channel_free():
    loss = PixelPairDistillLoss()
    teacher = torch.rand(2, 8, 6, 6)
    assert loss(teacher.clone(), teacher).item() == pytest.approx(0, abs=1e-7)
    assert loss(0.1 * teacher, teacher).item() == pytest.approx(0, abs=1e-7)
    # Channel counts may differ: the affinity is N x N.
    value = loss(torch.rand(2, 3, 6, 6), teacher)
    assert value.dim() == 0 and value.item() > 0


def test_known_value():
    # pool=1, two pixels. Student pixels (1, 0), (0, 1): A_S = I.
    # Teacher pixels (1, 0), (1, 0): A_T = all ones. mean of (0, 1, 1, 0).
    student = torch.tensor([[[[1., 0.]], [[0., 1.]]]])
    teacher = torch.tensor([[[[1., 1.]], [[0., 0.]]]])
    loss = PixelPairDistillLoss(pool=1, loss_weight=3.)
    assert loss(student, teacher).item() == pytest.approx(3 * 0.5)
    # pool=2 averages each 2 x 2 block first: a 2 x 2 map is one position,
    # whose self-affinity is 1 for both models.
    student4 = torch.rand(1, 2, 2, 2)
    assert PixelPairDistillLoss(pool=2)(student4, -student4).item() == 0.


def test_gradient_reaches_student_only_and_sizes_align():
    student = torch.rand(2, 3, 4, 4, requires_grad=True)
    teacher = torch.rand(2, 5, 8, 8, requires_grad=True)
    PixelPairDistillLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_errors():
    with pytest.raises(ValueError,
                       match=r'PixelPairDistillLoss: `pool` must be an int '
                       r'>= 1, got 0'):
        PixelPairDistillLoss(pool=0)
    with pytest.raises(ValueError, match=r'PixelPairDistillLoss: `align`'):
        PixelPairDistillLoss(align='linear')
    with pytest.raises(ValueError,
                       match=r'PixelPairDistillLoss: spatial sizes differ'):
        PixelPairDistillLoss(align=None)(
            torch.rand(1, 2, 4, 4), torch.rand(1, 2, 8, 8))
    with pytest.raises(ValueError,
                       match=r'PixelPairDistillLoss: features must be 4-D'):
        PixelPairDistillLoss()(torch.rand(1, 2, 4), torch.rand(1, 2, 4, 4))
