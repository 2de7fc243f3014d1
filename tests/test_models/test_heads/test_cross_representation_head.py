import copy

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpose.codecs import MSRAHeatmap, RegressionLabel
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
from mmpose.registry import MODELS as MMPOSE_MODELS

import mmpose_kd  # noqa: F401
from mmpose_kd.deploy.ocd_to_regression import (to_plain_regression,
                                                to_plain_regression_model)
from mmpose_kd.models.heads import CrossRepresentationHead
from mmpose_kd.registry import MODELS

# ResNet (stride 32) + 3 deconvs and 6x4 features + 2 deconvs both give
# 24x16 heatmaps for a 96x64 input.
INPUT_SIZE = (64, 96)  # (w, h)
HEATMAP_SIZE = (16, 24)
SIGMA = 1.5
K = 5
C = 32
FLIP_INDICES = [0, 2, 1, 4, 3]
REG_CODEC = dict(type='RegressionLabel', input_size=INPUT_SIZE)
HM_CODEC = dict(
    type='MSRAHeatmap',
    input_size=INPUT_SIZE,
    heatmap_size=HEATMAP_SIZE,
    sigma=SIGMA,
    unbiased=True)
# The recommended target recipe: one codec packing both kinds of target.
TARGET_CODEC = dict(
    type='IntegralRegressionLabel',
    input_size=INPUT_SIZE,
    heatmap_size=HEATMAP_SIZE,
    sigma=SIGMA,
    unbiased=True,
    normalize=False)


def head_cfg(regression_type='RegressionHead', **kwargs):
    cfg = dict(
        type='mmpose_kd.CrossRepresentationHead',
        regression=dict(
            type=regression_type,
            in_channels=C,
            num_joints=K,
            decoder=REG_CODEC),
        heatmap=dict(
            type='HeatmapHead',
            in_channels=C,
            out_channels=K,
            deconv_out_channels=(16, 16),
            deconv_kernel_sizes=(4, 4),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=HM_CODEC),
        coord_distill=dict(type='mmpose_kd.CoordDistillLoss'),
        heatmap_distill=dict(type='mmpose_kd.RenderedHeatmapDistillLoss'))
    cfg.update(kwargs)
    return cfg


def make_samples(batch=2, seed=0):
    """Data samples made by MMPose's own GenerateTarget + PackPoseInputs."""
    rng = np.random.default_rng(seed)
    generate = GenerateTarget(encoder=TARGET_CODEC)
    pack = PackPoseInputs(meta_keys=('input_size', 'flip_indices'))
    samples = []
    for _ in range(batch):
        visible = np.ones((1, K), dtype=np.float32)
        visible[0, -1] = 0
        results = dict(
            img=np.zeros((INPUT_SIZE[1], INPUT_SIZE[0], 3), np.uint8),
            keypoints=rng.uniform(4, [60, 92], (1, K, 2)).astype(np.float32),
            keypoints_visible=visible,
            dataset_keypoint_weights=np.ones(K, dtype=np.float32),
            input_size=INPUT_SIZE,
            flip_indices=FLIP_INDICES)
        samples.append(pack(generate(results))['data_samples'])
    return samples


def make_feats(batch=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, C, 6, 4, generator=gen), )


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def test_target_recipe_packs_both_representations():
    sample = make_samples(batch=1)[0]
    labels = sample.gt_instance_labels
    assert labels.keypoint_labels.shape == (1, K, 2)
    assert labels.keypoint_weights.shape == (1, K)
    assert sample.gt_fields.heatmaps.shape == (K, 24, 16)
    # Same targets as the two codecs a plain model of each kind would use.
    keypoints = labels.keypoint_labels.numpy() * np.array(INPUT_SIZE)
    expected = MSRAHeatmap(INPUT_SIZE, HEATMAP_SIZE, SIGMA, unbiased=True)
    np.testing.assert_allclose(
        sample.gt_fields.heatmaps[:K - 1].numpy(),
        expected.encode(keypoints)['heatmaps'][:K - 1],
        atol=1e-5)
    np.testing.assert_allclose(
        labels.keypoint_labels.numpy(),
        RegressionLabel(INPUT_SIZE).encode(keypoints)['keypoint_labels'],
        atol=1e-6)


def test_loss_returns_all_keys_and_backprops_into_both_branches():
    head = MODELS.build(head_cfg())
    feats = (make_feats()[0].requires_grad_(), )
    losses = head.loss(feats, make_samples())
    assert set(losses) == {
        'loss_regression', 'loss_heatmap', 'loss_ocd_coord',
        'loss_ocd_heatmap', 'acc_regression', 'acc_heatmap'
    }
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert head.regression.fc.weight.grad.abs().sum() > 0
    assert head.heatmap.final_layer.weight.grad.abs().sum() > 0
    assert feats[0].grad.abs().sum() > 0


def test_ocd_losses_train_regression_and_trunk_but_not_heatmap_branch():
    head = MODELS.build(head_cfg())
    feats = (make_feats()[0].requires_grad_(), )
    losses = head.loss(feats, make_samples())
    (losses['loss_ocd_coord'] + losses['loss_ocd_heatmap']).backward()
    assert all(p.grad is None for p in head.heatmap.parameters())
    assert head.regression.fc.weight.grad.abs().sum() > 0
    assert feats[0].grad.abs().sum() > 0


def test_compute_acc_false_and_disabled_ocd_losses():
    head = MODELS.build(head_cfg(coord_distill=None, heatmap_distill=None))
    losses = head.loss(make_feats(), make_samples(), dict(compute_acc=False))
    assert set(losses) == {'loss_regression', 'loss_heatmap'}


def test_task_losses_equal_each_branch_own_loss():
    head = MODELS.build(head_cfg())
    feats, samples = make_feats(), make_samples()
    losses = head.loss(feats, samples)
    pooled = (feats[0].mean((2, 3)), )
    reg = head.regression.loss(pooled, samples)
    hm = head.heatmap.loss(feats, samples)
    torch.testing.assert_close(losses['loss_regression'], reg['loss_kpt'])
    torch.testing.assert_close(losses['acc_regression'], reg['acc_pose'])
    torch.testing.assert_close(losses['loss_heatmap'], hm['loss_kpt'])


def test_rle_branch_shares_its_task_loss_with_coord_distill():
    head = MODELS.build(head_cfg('RLEHead'))
    assert head.coord_distill.criterion is head.regression.loss_module
    assert head(make_feats()).shape == (2, K, 4)
    losses = head.loss(make_feats(), make_samples())
    assert all(torch.isfinite(v) for v in losses.values())
    losses['loss_ocd_coord'].backward()
    assert head.regression.fc.weight.grad.abs().sum() > 0


def test_distill_defaults_come_from_the_branches():
    head = MODELS.build(head_cfg())
    assert head.heatmap_distill.sigma == SIGMA  # from the heatmap codec
    assert head.coord_distill.criterion is head.regression.loss_module
    explicit = MODELS.build(
        head_cfg(
            coord_distill=dict(
                type='mmpose_kd.CoordDistillLoss',
                criterion=dict(type='L1Loss', use_target_weight=True)),
            heatmap_distill=dict(
                type='mmpose_kd.RenderedHeatmapDistillLoss', sigma=3.0)))
    assert type(explicit.coord_distill.criterion).__name__ == 'L1Loss'
    assert explicit.heatmap_distill.sigma == 3.0


def test_forward_is_regression_output_only():
    head = MODELS.build(head_cfg())
    feats = make_feats()
    out = head(feats)
    assert out.shape == (2, K, 2)
    torch.testing.assert_close(out,
                               head.regression((feats[0].mean((2, 3)), )))


def test_predict_gives_image_coordinates():
    head = MODELS.build(head_cfg())
    normalised = torch.rand(K, 2)
    with torch.no_grad():
        head.regression.fc.weight.zero_()
        head.regression.fc.bias.copy_(normalised.flatten())
    preds = head.predict(make_feats(), make_samples())
    assert len(preds) == 2
    expected = normalised.numpy() * np.array(INPUT_SIZE)
    for pred in preds:
        assert pred.keypoints.shape == (1, K, 2)
        np.testing.assert_allclose(pred.keypoints[0], expected, rtol=1e-5)
        assert pred.keypoint_scores.shape == (1, K)


def test_remove_heatmap_branch_leaves_plain_parameter_count():
    for regression_type in ('RegressionHead', 'RLEHead'):
        cfg = head_cfg(regression_type)
        head = MODELS.build(cfg)
        plain = MODELS.build(cfg['regression'])
        assert num_params(head) > num_params(plain)
        head.remove_heatmap_branch()
        assert head.heatmap is None and head.coord_distill is None
        assert num_params(head) == num_params(plain)
        assert set(head.state_dict()) == {
            f'regression.{k}' for k in plain.state_dict()
        }
        losses = head.loss(make_feats(), make_samples())
        assert set(losses) == {'loss_regression', 'acc_regression'}


@pytest.mark.parametrize('flip_test', [False, True])
def test_to_plain_regression_matches_forward_and_predict(flip_test):
    cfg = head_cfg()
    head = MODELS.build(cfg)
    plain_cfg, plain_state = to_plain_regression(
        cfg, head.state_dict(), prefix='')
    assert plain_cfg == cfg['regression'] and plain_cfg is not cfg[
        'regression']
    plain = MMPOSE_MODELS.build(plain_cfg)
    plain.load_state_dict(plain_state, strict=True)

    feats, flipped = make_feats(seed=0), make_feats(seed=1)
    pooled = [(f[0].mean((2, 3)), ) for f in (feats, flipped)]
    torch.testing.assert_close(head(feats), plain(pooled[0]))
    test_cfg = dict(flip_test=flip_test)
    samples = make_samples()
    if flip_test:
        ours = head.predict([feats, flipped], samples, test_cfg)
        theirs = plain.predict(pooled, samples, test_cfg)
    else:
        ours = head.predict(feats, samples, test_cfg)
        theirs = plain.predict(pooled[0], samples, test_cfg)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.keypoints, b.keypoints, rtol=1e-6)


def test_to_plain_regression_model_end_to_end():
    init_default_scope('mmpose')
    model_cfg = dict(
        type='TopdownPoseEstimator',
        backbone=dict(
            type='ResNet', depth=18, base_channels=8, stem_channels=8),
        head=head_cfg(
            regression=dict(
                type='RegressionHead',
                in_channels=64,
                num_joints=K,
                decoder=REG_CODEC),
            heatmap=dict(
                type='HeatmapHead',
                in_channels=64,
                out_channels=K,
                deconv_out_channels=(8, 8, 8),
                decoder=HM_CODEC)),
        test_cfg=dict(flip_test=False))
    model = MMPOSE_MODELS.build(copy.deepcopy(model_cfg))
    assert isinstance(model.head, CrossRepresentationHead)
    inputs = torch.randn(2, 3, INPUT_SIZE[1], INPUT_SIZE[0])
    losses = model(inputs, make_samples(), mode='loss')
    assert {'loss_regression', 'loss_heatmap', 'loss_ocd_coord',
            'loss_ocd_heatmap'} <= set(losses)

    plain_cfg, plain_state = to_plain_regression_model(
        model_cfg, model.state_dict())
    assert plain_cfg['neck'] == dict(type='GlobalAveragePooling')
    assert all(k.startswith(('backbone.', 'head.fc.')) for k in plain_state)
    plain = MMPOSE_MODELS.build(plain_cfg)
    plain.load_state_dict(plain_state, strict=True)
    model.eval()
    plain.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            model(inputs, None, mode='tensor'),
            plain(inputs, None, mode='tensor'))
    model.head.remove_heatmap_branch()
    assert num_params(model) == num_params(plain)


def test_downsized_regression_branch_without_neck():
    cfg = head_cfg(
        regression=dict(
            type='mmpose_kd.DownsizedRegressionHead',
            in_channels=C,
            num_joints=K,
            reduce_channels=8,
            decoder=REG_CODEC),
        regression_neck=None)
    head = MODELS.build(cfg)
    losses = head.loss(make_feats(), make_samples())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert head.regression.reduce[0].weight.grad.abs().sum() > 0


def test_to_plain_regression_errors():
    with pytest.raises(ValueError, match='`regression`'):
        to_plain_regression(dict(type='CrossRepresentationHead'), {})
    with pytest.raises(ValueError, match="'head.regression.'"):
        to_plain_regression(head_cfg(), {'regression.fc.weight': 0})
    model_cfg = dict(neck=dict(type='GlobalAveragePooling'), head=head_cfg())
    with pytest.raises(ValueError, match='`neck`.*`regression_neck`'):
        to_plain_regression_model(model_cfg, {})


@pytest.mark.parametrize('change, error, match', [
    (dict(regression=None), ValueError, '`regression`'),
    (dict(heatmap=None), ValueError, '`heatmap`'),
    (dict(heatmap=dict(type='RegressionHead', in_channels=C, num_joints=K)),
     TypeError, '`heatmap` must build a HeatmapHead'),
    (dict(regression=dict(type='HeatmapHead', in_channels=C, out_channels=K)),
     TypeError, '`regression` must build a RegressionHead'),
])
def test_invalid_configs(change, error, match):
    with pytest.raises(error, match=f'CrossRepresentationHead: {match}'):
        MODELS.build(head_cfg(**change))


def test_keypoint_count_mismatch_names_both_fields():
    cfg = head_cfg()
    cfg['heatmap']['out_channels'] = K + 1
    with pytest.raises(ValueError, match=r'`regression.num_joints`=5 vs '
                       r'`heatmap.out_channels`=6'):
        MODELS.build(cfg)


def integral_branch(**kwargs):
    """A light integral-regression branch: one deconv, 6x4 -> 12x8 maps."""
    cfg = dict(
        type='IntegralRegressionHead',
        in_channels=C,
        in_featuremap_size=(4, 6),
        num_joints=K,
        deconv_out_channels=(8, ),
        deconv_kernel_sizes=(4, ),
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=REG_CODEC)
    cfg.update(kwargs)
    return cfg


def test_integral_regression_branch_learns_from_the_heatmap_branch():
    """The downsized-head reading: a light IntegralRegressionHead deployed,
    taught by the heavier heatmap branch through both OCD losses."""
    torch.manual_seed(0)
    head = MODELS.build(
        head_cfg(regression=integral_branch(), regression_neck=None))
    head.init_weights()
    feats = make_feats()
    coords, heatmaps = head(feats)
    assert coords.shape == (2, K, 2) and heatmaps.shape == (2, K, 12, 8)
    losses = head.loss(feats, make_samples())
    assert {'loss_regression', 'loss_heatmap', 'loss_ocd_coord',
            'loss_ocd_heatmap'} <= set(losses)
    deconv = head.regression.simplebaseline_head.deconv_layers[0]
    for key in ('loss_ocd_coord', 'loss_ocd_heatmap'):
        head.zero_grad()
        losses = head.loss(feats, make_samples())
        losses[key].backward()
        assert deconv.weight.grad.abs().sum() > 0, key
        # The heatmap branch is the teacher here: detached.
        assert all(p.grad is None or p.grad.abs().sum() == 0
                   for p in head.heatmap.parameters()), key
    preds = head.predict(feats, make_samples())
    assert len(preds) == 2 and preds[0].keypoints.shape == (1, K, 2)


def test_integral_regression_branch_exports_to_the_plain_mmpose_head():
    init_default_scope('mmpose')
    model_cfg = dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18, base_channels=8,
                      stem_channels=8),
        head=head_cfg(regression=integral_branch(in_channels=64,
                                                 in_featuremap_size=(2, 3)),
                      regression_neck=None))
    model_cfg['head']['heatmap']['in_channels'] = 64
    model = MMPOSE_MODELS.build(model_cfg)
    plain_cfg, plain_state = to_plain_regression_model(
        model_cfg, model.state_dict())
    assert plain_cfg['head']['type'] == 'IntegralRegressionHead'
    assert plain_cfg.get('neck') is None
    plain = MMPOSE_MODELS.build(plain_cfg)
    plain.load_state_dict(plain_state, strict=True)
    model.eval()
    plain.eval()
    inputs = torch.randn(2, 3, 96, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(inputs, None, mode='tensor'),
                                   plain(inputs, None, mode='tensor'))
    model.head.remove_heatmap_branch()
    assert num_params(model) == num_params(plain)


def test_integral_regression_branch_needs_the_spatial_features():
    with pytest.raises(ValueError, match='CrossRepresentationHead: an '
                       'IntegralRegressionHead .* `regression_neck=None`'):
        MODELS.build(head_cfg(regression=integral_branch()))
    dsnt = integral_branch(type='DSNTHead')
    with pytest.raises(TypeError, match='not DSNTHead'):
        MODELS.build(head_cfg(regression=dsnt, regression_neck=None))
