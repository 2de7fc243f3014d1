import pytest
import torch
from mmengine.registry import DefaultScope

from mmpose_kd.models.connectors import ConvBNConnector
from mmpose_kd.models.losses import FeatureDistillLoss
from mmpose_kd.registry import MODELS


def test_build_from_registry_with_connector_under_mmpose_scope():
    # The Runner's default scope is 'mmpose'; the connector must still
    # resolve from mmpose_kd without a scope prefix.
    cfg = dict(
        type='mmpose_kd.FeatureDistillLoss',
        connector=dict(type='ConvBNConnector', in_channels=4, out_channels=8))
    with DefaultScope.overwrite_default_scope('mmpose'):
        loss = MODELS.build(cfg)
    assert isinstance(loss.connector, ConvBNConnector)
    # The connector belongs to the loss module, so it trains with it.
    names = [n for n, _ in loss.named_parameters()]
    assert 'connector.conv.conv.weight' in names


def test_zero_when_equal_and_known_value():
    feats = torch.rand(2, 3, 4, 4)
    assert FeatureDistillLoss()(feats, feats.clone()).item() == 0.
    student = torch.tensor([[[[1., 3.]]]])
    teacher = torch.zeros(1, 1, 1, 2)
    # mean((1^2 + 3^2) / 2) = 5.
    assert FeatureDistillLoss(loss_weight=0.5)(student, teacher).item() == \
        pytest.approx(2.5)


def test_value_independent_of_feature_size():
    loss = FeatureDistillLoss()
    for shape in [(1, 2, 4, 4), (3, 16, 16, 12)]:
        teacher = torch.randn(shape)
        assert loss(teacher + 0.5, teacher).item() == pytest.approx(0.25)


def test_normalize_channels():
    loss = FeatureDistillLoss(normalize_channels=True)
    teacher = torch.rand(2, 3, 4, 5) + 0.1
    # Per-channel positive rescaling does not matter after normalisation.
    scale = torch.tensor([2., 0.5, 10.]).view(1, 3, 1, 1)
    assert loss(teacher * scale, teacher).item() == pytest.approx(0, abs=1e-6)
    # (1, 0) vs (0, 1): RMS-normalised to (sqrt2, 0) and (0, sqrt2) -> 2.
    student = torch.tensor([[[[1., 0.]]]])
    teacher = torch.tensor([[[[0., 1.]]]])
    assert loss(student, teacher).item() == pytest.approx(2.)
    # Size independence still holds: sqrt2 x difference per element.
    big_s = torch.tensor([1., 0.]).repeat(8).view(1, 1, 4, 4)
    big_t = torch.tensor([0., 1.]).repeat(8).view(1, 1, 4, 4)
    assert loss(big_s, big_t).item() == pytest.approx(2.)


def test_gradients_reach_student_and_connector_not_teacher():
    loss = FeatureDistillLoss(
        connector=dict(type='ConvBNConnector', in_channels=4, out_channels=6))
    student = torch.rand(2, 4, 3, 3, requires_grad=True)
    teacher = torch.rand(2, 6, 6, 6, requires_grad=True)
    loss(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None
    for name, param in loss.connector.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_spatial_alignment():
    teacher = torch.rand(1, 2, 8, 8)
    student = torch.full((1, 2, 2, 2), 0.25)
    expected = (teacher - 0.25).pow(2).mean().item()
    assert FeatureDistillLoss()(student, teacher).item() == \
        pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match=r'spatial sizes differ'):
        FeatureDistillLoss(align=None)(student, teacher)


def test_errors():
    with pytest.raises(ValueError,
                       match=r'FeatureDistillLoss: channels differ after the '
                       r'connector \(student shape \(1, 4, 2, 2\), teacher '
                       r"shape \(1, 8, 2, 2\)\); configure a connector with "
                       r"in_channels/out_channels, e\.g\. connector=dict\("
                       r"type='ConvBNConnector', in_channels=4, "
                       r'out_channels=8\)'):
        FeatureDistillLoss()(torch.rand(1, 4, 2, 2), torch.rand(1, 8, 2, 2))
    with pytest.raises(TypeError, match=r'FeatureDistillLoss: `connector`'):
        FeatureDistillLoss(connector='ConvBNConnector')
    with pytest.raises(ValueError, match=r'FeatureDistillLoss: `align`'):
        FeatureDistillLoss(align='area')
    with pytest.raises(ValueError,
                       match=r'FeatureDistillLoss: features must be 4-D'):
        FeatureDistillLoss()(torch.rand(1, 4, 2), torch.rand(1, 4, 2))
