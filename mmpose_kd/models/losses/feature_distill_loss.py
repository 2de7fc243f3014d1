"""Feature distillation: a student feature map imitates the teacher's.

Second of the three IKD mechanisms (Xu et al., IEEE SPL 2020), in our reading
(docs/ikd.md): a trainable connector maps the student feature to the
teacher's channels, the spatial size is aligned by interpolation, and the
squared error is averaged over every element.
"""
import math
from typing import Optional, Union

from torch import Tensor, nn
from torch.nn import functional as F

from mmpose_kd.registry import MODELS
from .base_distill_loss import BaseDistillLoss
from mmpose_kd.utils.validation import check_choice
from .utils import ALIGN_MODES, align_spatial, check_4d_pair


def _build_connector(owner: str, connector) -> Optional[nn.Module]:
    if connector is None or isinstance(connector, nn.Module):
        return connector
    if not isinstance(connector, dict) or 'type' not in connector:
        raise TypeError(f'{owner}: `connector` must be None, an nn.Module or '
                        f'a config dict with a `type`, got {connector!r}.')
    cfg = dict(connector)
    # Resolve in mmpose_kd first even when the Runner's default scope is
    # 'mmpose'; unknown names still fall back to MMPose's registry.
    cfg.setdefault('_scope_', 'mmpose_kd')
    return MODELS.build(cfg)


def _channel_rms_normalize(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Divide each channel by its root-mean-square over H x W."""
    height, width = x.shape[-2:]
    flat = F.normalize(x.flatten(2), p=2, dim=2, eps=eps)
    return (flat * math.sqrt(height * width)).view_as(x)


@MODELS.register_module()
class FeatureDistillLoss(BaseDistillLoss):
    """Mean squared error between a connected student and a teacher feature.

    ``L = mean over (B, C, H, W) of (phi(F_S) - F_T)^2``, where ``phi`` is the
    connector followed by resizing to the teacher's H x W. Dividing by C*H*W
    makes the loss weight independent of the feature size (MMPose's
    ``FeaLoss`` sums instead).

    The connector is built here, so it is a submodule of this loss: it is
    trained with the student and never part of the exported student.

    Args:
        connector (dict | nn.Module | None): Connector config, e.g.
            ``dict(type='ConvBNConnector', in_channels=256,
            out_channels=2048)``; None when the channels already match.
        normalize_channels (bool): Before comparing, divide every channel
            (of both features) by its root-mean-square over H x W, i.e.
            L2-normalise each channel's spatial map and rescale by
            sqrt(H*W). The loss then compares where each channel fires, not
            how strongly, and stays independent of the feature size. Our
            reading of "per-channel L2 normalisation". Defaults to False.
        loss_weight (float): Loss multiplier (>= 0). Defaults to 1.
        align (str | None): Resize mode of the student feature to the
            teacher's size (``'bilinear'``, ``'nearest'``, or None to raise
            on a mismatch). Defaults to ``'bilinear'``.

    Note:
        - student: (B, C_s, h, w), teacher: (B, C_t, H, W).
        - ``keypoint_weights`` is accepted and ignored (features have no
          keypoint axis).
    """

    def __init__(self,
                 connector: Union[dict, nn.Module, None] = None,
                 normalize_channels: bool = False,
                 loss_weight: float = 1.0,
                 align: Optional[str] = 'bilinear'):
        super().__init__(loss_weight=loss_weight)
        owner = type(self).__name__
        self.connector = _build_connector(owner, connector)
        self.normalize_channels = bool(normalize_channels)
        self.align = check_choice(owner, 'align', align, ALIGN_MODES)

    def compute(self,
                student: Tensor,
                teacher: Tensor,
                keypoint_weights: Optional[Tensor] = None) -> Tensor:
        owner = type(self).__name__
        check_4d_pair(owner, student, teacher, 'features')
        student_channels = student.shape[1]
        if self.connector is not None:
            student = self.connector(student)
        if student.shape[1] != teacher.shape[1]:
            raise ValueError(
                f'{owner}: channels differ after the connector (student '
                f'shape {tuple(student.shape)}, teacher shape '
                f'{tuple(teacher.shape)}); configure a connector with '
                f"in_channels/out_channels, e.g. connector=dict(type="
                f"'ConvBNConnector', in_channels={student_channels}, "
                f'out_channels={teacher.shape[1]}).')
        student = align_spatial(owner, student, teacher, self.align)
        if self.normalize_channels:
            student = _channel_rms_normalize(student)
            teacher = _channel_rms_normalize(teacher)
        return F.mse_loss(student, teacher, reduction='mean')

    def extra_repr(self) -> str:
        return (f'normalize_channels={self.normalize_channels}, '
                f'align={self.align!r}, {super().extra_repr()}')
