import math

import pytest
import torch

from mmpose_kd.models.losses import KeypointRelationDistillLoss
from mmpose_kd.registry import MODELS


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='mmpose_kd.KeypointRelationDistillLoss', loss_weight=0.5))
    assert isinstance(loss, KeypointRelationDistillLoss)
    assert loss.loss_weight == 0.5


def test_zero_when_equal_and_scale_and_size_invariant():
    loss = KeypointRelationDistillLoss()
    teacher = torch.rand(2, 4, 6, 6)
    assert loss(teacher.clone(), teacher).item() == pytest.approx(0, abs=1e-7)
    # Positive rescaling of the student's heatmaps changes nothing.
    assert loss(5. * teacher, teacher).item() == pytest.approx(0, abs=1e-7)
    # A nearest x2 upsampled student has the same channel cosines.
    student = teacher.repeat_interleave(2, -1).repeat_interleave(2, -2)
    assert loss(student, teacher).item() == pytest.approx(0, abs=1e-6)


def test_known_value_and_keypoint_weights():
    # Student channels (1, 0), (1, 1): cosine 1/sqrt2. Teacher channels both
    # (1, 0): cosine 1. Two off-diagonal errors (1 - 1/sqrt2)^2 over K*K = 4.
    student = torch.tensor([[[[1., 0.]], [[1., 1.]]]])
    teacher = torch.tensor([[[[1., 0.]], [[1., 0.]]]])
    expected = 2 * (1 - 1 / math.sqrt(2))**2 / 4
    loss = KeypointRelationDistillLoss()
    assert loss(student, teacher).item() == pytest.approx(expected)
    # Zeroing keypoint 1 removes every pair it is part of.
    kw = torch.tensor([[1., 0.]])
    assert loss(student, teacher, kw).item() == pytest.approx(0, abs=1e-7)
    unweighted = KeypointRelationDistillLoss(use_keypoint_weights=False)
    assert unweighted(student, teacher, kw).item() == pytest.approx(expected)


def test_gradient_reaches_student_only():
    student = torch.rand(2, 3, 4, 4, requires_grad=True)
    teacher = torch.rand(2, 3, 5, 5, requires_grad=True)
    KeypointRelationDistillLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_errors():
    loss = KeypointRelationDistillLoss()
    with pytest.raises(ValueError,
                       match=r'KeypointRelationDistillLoss: keypoint counts '
                       r'differ, student shape \(1, 2, 4, 4\) vs teacher '
                       r'shape \(1, 3, 4, 4\)'):
        loss(torch.rand(1, 2, 4, 4), torch.rand(1, 3, 4, 4))
    with pytest.raises(ValueError,
                       match=r'KeypointRelationDistillLoss: heatmaps must be '
                       r'4-D'):
        loss(torch.rand(2, 4, 4), torch.rand(2, 4, 4))
    with pytest.raises(ValueError,
                       match=r'KeypointRelationDistillLoss: '
                       r'`keypoint_weights`'):
        loss(torch.rand(1, 2, 4, 4), torch.rand(1, 2, 4, 4), torch.ones(1, 3))
    with pytest.raises(ValueError,
                       match=r'KeypointRelationDistillLoss: `loss_weight`'):
        KeypointRelationDistillLoss(loss_weight=float('nan'))
