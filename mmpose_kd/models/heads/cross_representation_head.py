"""Online Cross-Representation Distillation (OCD) as a two-branch head.

One head, two branches on the same backbone features (Liu et al., ECCV 2024 W;
our reading in docs/crd.md): a heatmap branch used in training
only, and the regression branch that is deployed. Training adds the two OCD
losses, which teach the regression branch from the heatmap branch's detached
output. Inference and tensor-mode forward (ONNX export) see the regression
branch alone; :meth:`CrossRepresentationHead.remove_heatmap_branch` and
:func:`mmpose_kd.deploy.ocd_to_regression.to_plain_regression` reduce the model to
a plain MMPose regression model.

Targets: both branches need theirs. Use MMPose's combined codec
``GenerateTarget(encoder=dict(type='IntegralRegressionLabel', input_size=...,
heatmap_size=..., sigma=..., unbiased=True, normalize=False))``, which packs
``keypoint_labels``, ``heatmaps`` and ``keypoint_weights``. A list of encoders
``[RegressionLabel, MSRAHeatmap]`` does not work in MMPose 1.3.2: both emit
``keypoint_weights``, which are stacked to (2, N, K) and break
``PackPoseInputs``.
"""
from typing import Tuple

import numpy as np
import torch
from mmpose.evaluation.functional import (keypoint_pck_accuracy,
                                          pose_pck_accuracy)
from mmpose.models.heads import (BaseHead, DSNTHead, HeatmapHead,
                                 IntegralRegressionHead, RegressionHead,
                                 RLEHead)
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, OptConfigType, OptSampleList,
                                 Predictions)
from torch import Tensor

from mmpose_kd.registry import MODELS
from ..losses import (BaseDistillLoss, CoordDistillLoss,
                      RenderedHeatmapDistillLoss)

_OWNER = 'CrossRepresentationHead'
#: Regression heads this head can deploy.
REGRESSION_HEADS = (RegressionHead, RLEHead, IntegralRegressionHead)


def regression_coords(output) -> Tensor:
    """The coordinates in a regression head's forward output.

    ``IntegralRegressionHead`` returns ``(coords, heatmaps)``; the others a
    tensor ((B, K, 2), or (B, K, 4) for ``RLEHead``).
    """
    return output[0] if isinstance(output, tuple) else output


@MODELS.register_module()
class CrossRepresentationHead(BaseHead):
    """Regression head trained with a heatmap branch by OCD.

    Loss keys: ``loss_regression`` and ``loss_heatmap`` (each branch's own
    task loss against the ground truth, called as MMPose's heads call them),
    ``loss_ocd_coord`` (``coord_distill``: the regression task loss against
    the heatmap branch's soft-argmax coordinates) and ``loss_ocd_heatmap``
    (``heatmap_distill``: regressed coordinates rendered as Gaussians against
    the branch's heatmaps), plus ``acc_regression`` / ``acc_heatmap`` unless
    ``train_cfg['compute_acc']`` is False. The heatmap branch's output enters
    the OCD losses detached, so they train the regression branch and the
    shared backbone only.

    Args:
        regression (dict): The deployed branch: a ``RegressionHead``,
            ``RLEHead`` or ``IntegralRegressionHead`` config (or a subclass
            such as ``mmpose_kd.DownsizedRegressionHead``), with its codec as
            ``decoder``; it is this head's decoder. An
            ``IntegralRegressionHead`` (soft-argmax over its own heatmaps)
            reads spatial features: give it ``regression_neck=None``.
        heatmap (dict): The training-only branch: a ``HeatmapHead`` config
            (or subclass) with ``out_channels`` equal to ``num_joints``.
        coord_distill (dict, optional): A distillation loss config, usually
            ``dict(type='mmpose_kd.CoordDistillLoss', ...)``. If a
            CoordDistillLoss config gives no ``criterion``, the regression
            branch's own ``loss_module`` is shared (the task loss as
            distillation loss; one RLE flow model). ``None`` disables it.
        heatmap_distill (dict, optional): Usually
            ``dict(type='mmpose_kd.RenderedHeatmapDistillLoss', ...)``; when
            such a config gives no ``sigma``, the heatmap branch decoder's
            sigma is used. ``None`` disables it.
        regression_neck (dict, optional): Module applied to the features
            before the regression branch only. Defaults to MMPose's
            ``GlobalAveragePooling``, so the pose model has no neck (the
            heatmap branch needs spatial features) and the regression branch
            sees the pooled vector of a DeepPose model. ``None`` passes the
            features unchanged (e.g. to an ``IntegralRegressionHead`` or a
            ``DownsizedRegressionHead``).
        init_cfg (dict, optional): Initialisation config; the branches keep
            their own defaults.

    Note:
        - feats: tuple of backbone features, the last (B, C, h, w).
        - forward output: the regression branch's, (B, K, 2) normalised
          coordinates, (B, K, 4) for RLEHead, or ``(coords (B, K, 2),
          heatmaps (B, K, h, w))`` for IntegralRegressionHead; the losses
          use the coordinates.
        - data samples: ``gt_instance_labels.keypoint_labels`` (1, K, 2),
          ``gt_instance_labels.keypoint_weights`` (1, K) and
          ``gt_fields.heatmaps`` (K, H, W) each.
    """

    def __init__(self,
                 regression: OptConfigType = None,
                 heatmap: OptConfigType = None,
                 coord_distill: OptConfigType = None,
                 heatmap_distill: OptConfigType = None,
                 regression_neck: OptConfigType = dict(
                     type='GlobalAveragePooling'),
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        if regression is None:
            raise ValueError(f'{_OWNER}: `regression` (the deployed '
                             'regression head config) is required.')
        if heatmap is None:
            raise ValueError(
                f'{_OWNER}: `heatmap` (the training heatmap branch config) is '
                'required; to deploy, call remove_heatmap_branch() or use '
                'mmpose_kd.deploy.ocd_to_regression.to_plain_regression.')
        self.regression = MODELS.build(regression)
        if not isinstance(self.regression, REGRESSION_HEADS) or isinstance(
                self.regression, DSNTHead):
            raise TypeError(
                f'{_OWNER}: `regression` must build a RegressionHead, '
                f'RLEHead or IntegralRegressionHead (or subclass; not '
                f'DSNTHead, whose loss also needs heatmap targets), got '
                f'{type(self.regression).__name__}.')
        if (isinstance(self.regression, IntegralRegressionHead)
                and regression_neck is not None):
            raise ValueError(
                f'{_OWNER}: an IntegralRegressionHead `regression` branch '
                f'reads spatial features; set `regression_neck=None` (got '
                f'{regression_neck!r}).')
        self.heatmap = MODELS.build(heatmap)
        if not isinstance(self.heatmap, HeatmapHead):
            raise TypeError(
                f'{_OWNER}: `heatmap` must build a HeatmapHead (or subclass),'
                f' got {type(self.heatmap).__name__}.')
        if self.regression.num_joints != self.heatmap.out_channels:
            raise ValueError(
                f'{_OWNER}: the branches disagree on the keypoint count: '
                f'`regression.num_joints`={self.regression.num_joints} vs '
                f'`heatmap.out_channels`={self.heatmap.out_channels}.')
        self.regression_neck = (
            MODELS.build(regression_neck) if regression_neck else None)
        self.coord_distill = self._build_distill_loss(
            'coord_distill', coord_distill, CoordDistillLoss, 'criterion',
            self.regression.loss_module)
        self.heatmap_distill = self._build_distill_loss(
            'heatmap_distill', heatmap_distill, RenderedHeatmapDistillLoss,
            'sigma', getattr(self.heatmap.decoder, 'sigma', None))

    @property
    def decoder(self):
        """The regression branch's codec, used by :meth:`decode`."""
        return self.regression.decoder

    @staticmethod
    def _build_distill_loss(name, cfg, loss_class, default_key,
                            default_value):
        """Build ``cfg`` (argument ``name``), filling ``default_key`` for
        ``loss_class`` types; refuse what is no distillation loss."""
        if cfg is None:
            return None
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise TypeError(f'{_OWNER}: `{name}` must be a loss config '
                            f'dict(type=...) or None, got {cfg!r}.')
        cfg = dict(cfg)
        loss_type = cfg.get('type')
        if isinstance(loss_type, str):
            loss_type = MODELS.get(loss_type)
        if (isinstance(loss_type, type) and issubclass(loss_type, loss_class)
                and cfg.get(default_key) is None
                and default_value is not None):
            cfg[default_key] = default_value
        loss = MODELS.build(cfg)
        if not isinstance(loss, BaseDistillLoss):
            raise TypeError(f'{_OWNER}: `{name}` must build a distillation '
                            f'loss, got {type(loss).__name__}.')
        return loss

    def _regression_input(self, feats):
        if self.regression_neck is None:
            return feats
        return self.regression_neck(feats)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Regression branch output: what a deployed model returns."""
        return self.regression(self._regression_input(feats))

    def predict(self,
                feats,
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Decode keypoints (image coordinates) with the regression branch.

        Flip test (``test_cfg['flip_test']``, ``feats = [orig, flipped]``) is
        the regression branch's own.
        """
        if test_cfg.get('flip_test', False):
            feats = [self._regression_input(f) for f in feats]
        else:
            feats = self._regression_input(feats)
        return self.regression.predict(feats, batch_data_samples, test_cfg)

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Task losses of both branches plus the OCD losses.

        After :meth:`remove_heatmap_branch` only the regression task loss is
        returned.
        """
        reg_out = regression_coords(self.forward(feats))
        labels = torch.cat(
            [d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        compute_acc = train_cfg.get('compute_acc', True)

        losses = dict(loss_regression=self._regression_task_loss(
            reg_out, labels, weights))
        if compute_acc:
            _, acc, _ = keypoint_pck_accuracy(
                pred=to_numpy(reg_out[..., :2]),
                gt=to_numpy(labels),
                mask=to_numpy(weights) > 0,
                thr=0.05,
                norm_factor=np.ones((reg_out.size(0), 2), dtype=np.float32))
            losses['acc_regression'] = torch.tensor(acc, device=labels.device)
        if self.heatmap is None:
            return losses

        hm_out = self.heatmap(feats)
        gt_heatmaps = torch.stack(
            [d.gt_fields.heatmaps for d in batch_data_samples])
        losses['loss_heatmap'] = self.heatmap.loss_module(
            hm_out, gt_heatmaps, weights)
        if compute_acc:
            _, acc, _ = pose_pck_accuracy(
                output=to_numpy(hm_out),
                target=to_numpy(gt_heatmaps),
                mask=to_numpy(weights) > 0)
            losses['acc_heatmap'] = torch.tensor(acc, device=labels.device)
        # BaseDistillLoss detaches the heatmaps (the "teacher" argument).
        if self.coord_distill is not None:
            losses['loss_ocd_coord'] = self.coord_distill(
                reg_out, hm_out, keypoint_weights=weights)
        if self.heatmap_distill is not None:
            losses['loss_ocd_heatmap'] = self.heatmap_distill(
                reg_out, hm_out, keypoint_weights=weights)
        return losses

    def _regression_task_loss(self, pred: Tensor, labels: Tensor,
                              weights: Tensor) -> Tensor:
        """The regression head's loss, called as RegressionHead/RLEHead do."""
        if isinstance(self.regression, RLEHead):
            return self.regression.loss_module(pred[..., :2], pred[..., 2:4],
                                               labels, weights.unsqueeze(-1))
        return self.regression.loss_module(pred, labels, weights.unsqueeze(-1))

    def remove_heatmap_branch(self) -> None:
        """Drop the heatmap branch and the OCD losses (for deployment).

        Afterwards the head's parameters are exactly the regression branch's,
        as many as the plain regression head with the same config.
        """
        self.heatmap = None
        self.coord_distill = None
        self.heatmap_distill = None

