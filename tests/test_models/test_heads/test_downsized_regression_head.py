import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

import mmpose_kd  # noqa: F401
from mmpose_kd.models.heads import DownsizedRegressionHead
from mmpose_kd.registry import MODELS

C, K = 512, 17
INPUT_SIZE = (192, 256)
CODEC = dict(type='RegressionLabel', input_size=INPUT_SIZE)


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def make_samples(batch=4, seed=0):
    """PoseDataSamples with regression labels, built by hand."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch):
        labels = InstanceData()
        labels.keypoint_labels = torch.rand(1, K, 2, generator=gen)
        labels.keypoint_weights = torch.ones(1, K)
        sample = PoseDataSample(gt_instance_labels=labels)
        sample.set_metainfo(
            dict(input_size=INPUT_SIZE, flip_indices=list(range(K))))
        samples.append(sample)
    return samples


@pytest.mark.parametrize('kwargs', [
    dict(reduce_channels=16),
    dict(hidden_dims=(16, )),
    dict(reduce_channels=16, hidden_dims=(8, )),
])
def test_fewer_parameters_than_regression_head(kwargs):
    plain = MODELS.build(dict(type='RegressionHead', in_channels=C,
                              num_joints=K))
    head = MODELS.build(
        dict(type='mmpose_kd.DownsizedRegressionHead', in_channels=C,
             num_joints=K, **kwargs))
    assert num_params(plain) == C * 2 * K + 2 * K
    assert num_params(head) < num_params(plain)
    if kwargs == dict(reduce_channels=16):  # the documented formula
        assert num_params(head) == C * 16 + 16 + 16 * 2 * K + 2 * K


@pytest.mark.parametrize('shape', [(4, C), (4, C, 8, 6)])
def test_accepts_pooled_and_spatial_features(shape):
    head = DownsizedRegressionHead(
        C, K, reduce_channels=16, hidden_dims=(32, ))
    assert head((torch.randn(shape), )).shape == (4, K, 2)


def test_trains_one_step():
    torch.manual_seed(0)
    head = DownsizedRegressionHead(
        C, K, reduce_channels=16, hidden_dims=(32, ), decoder=CODEC)
    head.init_weights()
    feats = (torch.randn(4, C, 8, 6), )
    samples = make_samples()
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    losses['loss_kpt'].backward()
    for layer in (head.reduce[0], head.hidden[0], head.fc):
        assert layer.weight.grad.abs().sum() > 0
    optimizer.step()
    assert head.loss(feats, samples)['loss_kpt'] < losses['loss_kpt']


def test_predict_decodes_to_image_coordinates():
    head = DownsizedRegressionHead(C, K, hidden_dims=(8, ), decoder=CODEC)
    normalised = torch.rand(K, 2)
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.copy_(normalised.flatten())
    preds = head.predict((torch.randn(2, C), ), make_samples(2))
    np.testing.assert_allclose(
        preds[0].keypoints[0],
        normalised.numpy() * np.array(INPUT_SIZE),
        rtol=1e-5)


@pytest.mark.parametrize('kwargs, match', [
    (dict(), 'give `reduce_channels` and/or `hidden_dims`'),
    (dict(reduce_channels=0), '`reduce_channels`'),
    (dict(hidden_dims=(8, -1)), r'`hidden_dims\[1\]`'),
])
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f'DownsizedRegressionHead: {match}'):
        DownsizedRegressionHead(C, K, **kwargs)
