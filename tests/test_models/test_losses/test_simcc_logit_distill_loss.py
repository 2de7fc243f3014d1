"""SimCCLogitDistillLoss: value, agreement with MMPose's DWPose KDLoss,
gradients to the student only, weights and errors."""
import math

import pytest
import torch

from mmpose_kd.models.losses import SimCCLogitDistillLoss


def simcc(batch=2, keypoints=3, wx=8, wy=10, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, keypoints, wx, generator=generator),
            torch.randn(batch, keypoints, wy, generator=generator))


def test_zero_when_student_equals_teacher():
    logits = simcc()
    assert SimCCLogitDistillLoss()(logits, logits).item() == \
        pytest.approx(0.0, abs=1e-6)


def test_known_value_on_two_bins():
    # one keypoint, 2 bins per axis, beta=1: P_T = (1/2, 1/2) on both axes,
    # P_S = softmax(0, log 3) = (1/4, 3/4) on x and equal to P_T on y
    student = (torch.tensor([[[0.0, math.log(3.0)]]]), torch.zeros(1, 1, 2))
    teacher = (torch.zeros(1, 1, 2), torch.zeros(1, 1, 2))
    expected = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    loss = SimCCLogitDistillLoss(beta=1.0, loss_weight=2.0)(student, teacher)
    assert loss.item() == pytest.approx(2.0 * expected, rel=1e-6)


def test_equals_mmpose_dwpose_kdloss():
    from mmpose.models.losses import KDLoss
    student, teacher = simcc(seed=1), simcc(seed=2)
    ours = SimCCLogitDistillLoss(beta=10.0)(student, teacher)
    theirs = KDLoss(name='loss_logit', use_this=True, weight=1.0)(
        student, teacher, 10.0, None)
    torch.testing.assert_close(ours, theirs)


def test_gradients_reach_the_student_only():
    student = tuple(t.requires_grad_() for t in simcc(seed=3))
    teacher = tuple(t.requires_grad_() for t in simcc(seed=4))
    SimCCLogitDistillLoss()(student, teacher).backward()
    assert all(t.grad is not None and t.grad.abs().sum() > 0
               for t in student)
    assert all(t.grad is None for t in teacher)


def test_keypoint_weights_when_enabled():
    student, teacher = simcc(seed=5), simcc(seed=6)
    weights = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    ignored = SimCCLogitDistillLoss()(student, teacher, weights)
    assert ignored == SimCCLogitDistillLoss()(student, teacher)
    weighted = SimCCLogitDistillLoss(use_keypoint_weights=True)(
        student, teacher, weights)
    assert weighted < ignored


def test_bad_inputs_and_arguments_are_named():
    with pytest.raises(ValueError, match=r'SimCCLogitDistillLoss: `beta`'):
        SimCCLogitDistillLoss(beta=0)
    with pytest.raises(ValueError, match=r'student must be SimCC.*\(2, 3, 16, 12\)'
                       r'.*SimCCHead'):
        SimCCLogitDistillLoss()(torch.zeros(2, 3, 16, 12), simcc())
    with pytest.raises(ValueError, match=r'x logits differ.*\(2, 3, 8\).*'
                       r'\(2, 3, 9\)'):
        SimCCLogitDistillLoss()(simcc(), simcc(wx=9))
