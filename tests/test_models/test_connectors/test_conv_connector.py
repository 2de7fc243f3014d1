import pytest
import torch

from mmpose_kd.models.connectors import (ConvBNConnector, ConvConnector,
                                         IdentityConnector)
from mmpose_kd.registry import MODELS


def test_build_from_registry():
    for name in ['ConvBNConnector', 'ConvConnector']:
        conn = MODELS.build(
            dict(type=f'mmpose_kd.{name}', in_channels=3, out_channels=5))
        assert type(conn).__name__ == name
    assert isinstance(
        MODELS.build(dict(type='mmpose_kd.IdentityConnector')),
        IdentityConnector)


def test_conv_bn_maps_channels_and_keeps_size():
    conn = ConvBNConnector(3, 5, kernel_size=3, act=True)
    out = conn(torch.randn(2, 3, 7, 6))
    assert out.shape == (2, 5, 7, 6)
    assert (out >= 0).all()  # ReLU
    assert not conn.is_identity
    assert any('bn' in n for n, _ in conn.named_modules())
    conv_only = ConvConnector(3, 5)
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in conv_only.modules())
    assert conv_only.conv.conv.bias is not None


def test_identity_when_channels_match():
    x = torch.randn(2, 4, 3, 3)
    conn = ConvBNConnector(4, 4)
    assert conn.is_identity and len(list(conn.parameters())) == 0
    assert conn(x) is x
    learnable = ConvBNConnector(4, 4, identity_if_same=False)
    assert not learnable.is_identity
    assert learnable(x).shape == x.shape
    assert IdentityConnector()(x) is x


def test_gradient_reaches_connector_params():
    conn = ConvBNConnector(3, 2)
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    (conn(x) * torch.randn(2, 2, 4, 4)).sum().backward()
    assert x.grad is not None
    for name, param in conn.named_parameters():
        assert param.grad is not None, name


def test_errors():
    with pytest.raises(ValueError,
                       match=r'ConvBNConnector: `in_channels` must be an int '
                       r'>= 1, got 0'):
        ConvBNConnector(0, 4)
    with pytest.raises(ValueError,
                       match=r'ConvConnector: `out_channels` must be an int'):
        ConvConnector(4, 2.5)
    with pytest.raises(ValueError,
                       match=r'ConvBNConnector: `kernel_size` must be odd'):
        ConvBNConnector(4, 8, kernel_size=2)
    with pytest.raises(ValueError,
                       match=r'ConvBNConnector: expected a \(B, 4, H, W\) '
                       r'student feature, got shape \(1, 3, 2, 2\)'):
        ConvBNConnector(4, 8)(torch.rand(1, 3, 2, 2))


def test_init_cfg_is_applied_by_init_weights():
    """Connectors are MMEngine BaseModules: a config's init_cfg sets their
    weights when the runner (or the owning loss) calls init_weights."""
    from mmengine.model import BaseModule
    conn = MODELS.build(dict(
        type='mmpose_kd.ConvConnector', in_channels=3, out_channels=5,
        init_cfg=dict(type='Constant', layer='Conv2d', val=0.25, bias=0.5)))
    assert isinstance(conn, BaseModule)
    conn.init_weights()
    assert torch.all(conn.conv.conv.weight == 0.25)
    assert torch.all(conn.conv.conv.bias == 0.5)
    # inside a loss, the distiller's init_weights reaches it too
    loss = MODELS.build(dict(
        type='mmpose_kd.FeatureDistillLoss',
        connector=dict(type='mmpose_kd.ConvBNConnector', in_channels=3,
                       out_channels=5, init_cfg=dict(
                           type='Constant', layer='Conv2d', val=-1.0))))
    holder = BaseModule()
    holder.loss = loss
    holder.init_weights()
    assert torch.all(loss.connector.conv.conv.weight == -1.0)
    # and through a distiller's init_weights (what the runner calls)
    from tests.test_models.test_distillers.test_pose_distiller import \
        distiller_cfg
    cfg = distiller_cfg()
    cfg['distill_losses']['loss_feat']['connector']['init_cfg'] = dict(
        type='Constant', layer='Conv2d', val=0.5)
    distiller = MODELS.build(cfg)
    distiller.init_weights()
    connector = distiller.distill_losses.loss_feat.connector
    assert torch.all(connector.conv.conv.weight == 0.5)
    assert isinstance(MODELS.build(dict(type='mmpose_kd.IdentityConnector',
                                        init_cfg=None)), BaseModule)
