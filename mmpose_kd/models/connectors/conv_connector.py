"""Convolutional connectors: map a student feature to the teacher's channels.

A connector is trained with the student (it belongs to the distillation loss
module that builds it) and is dropped at export. :class:`ConvBNConnector` (1x1
conv + BN, the FitNets-style regressor) is the default of our reading of IKD
feature distillation; :class:`ConvConnector` is the same without normalisation.
"""
from typing import List, Optional, Union

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.model.weight_init import initialize
from torch import Tensor

from mmpose_kd.registry import MODELS
from mmpose_kd.utils.validation import check_positive_int


@MODELS.register_module()
class ConvBNConnector(BaseModule):
    """Conv (+ norm, + optional ReLU) from student to teacher channels.

    Args:
        in_channels (int): Channels of the student feature.
        out_channels (int): Channels of the teacher feature.
        kernel_size (int): Odd conv kernel size; padding keeps H and W.
            Defaults to 1.
        act (bool): Append a ReLU. Defaults to False, so the connector can
            produce the negative values a teacher feature may hold.
        identity_if_same (bool): When ``in_channels == out_channels`` use no
            layer at all and return the input. Defaults to True.
        norm_cfg (dict, optional): Norm layer config; None gives a plain conv
            with bias. Defaults to ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): MMEngine initialisation of
            the conv/norm layers, applied by the runner's ``init_weights``
            (e.g. ``dict(type='Kaiming', layer='Conv2d')``). Defaults to
            None: mmcv's ``ConvModule`` defaults (Kaiming conv, unit norm).

    Note:
        - Input: (B, in_channels, H, W); output: (B, out_channels, H, W).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 1,
                 act: bool = False,
                 identity_if_same: bool = True,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg=init_cfg)
        owner = type(self).__name__
        self.in_channels = check_positive_int(owner, 'in_channels',
                                               in_channels)
        self.out_channels = check_positive_int(owner, 'out_channels',
                                                out_channels)
        check_positive_int(owner, 'kernel_size', kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f'{owner}: `kernel_size` must be odd so the '
                             f'spatial size is kept, got {kernel_size}.')
        if identity_if_same and in_channels == out_channels:
            self.conv = None
        else:
            self.conv = ConvModule(
                in_channels,
                out_channels,
                kernel_size,
                padding=kernel_size // 2,
                norm_cfg=dict(norm_cfg) if norm_cfg else None,
                act_cfg=dict(type='ReLU') if act else None)

    def init_weights(self) -> None:
        """mmcv's ``ConvModule`` defaults first, then ``init_cfg`` on top.

        MMEngine's ``BaseModule.init_weights`` would run the child
        ``ConvModule.init_weights`` after this module's ``init_cfg`` and so
        undo it.
        """
        if self.conv is not None:
            self.conv.init_weights()
        if self.init_cfg:
            initialize(self, self.init_cfg)
        self._is_init = True

    @property
    def is_identity(self) -> bool:
        """Whether the connector returns its input unchanged."""
        return self.conv is None

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__}: expected a (B, {self.in_channels}, '
                f'H, W) student feature, got shape {tuple(x.shape)}; set '
                '`in_channels` to the student channels.')
        return x if self.conv is None else self.conv(x)


@MODELS.register_module()
class ConvConnector(ConvBNConnector):
    """:class:`ConvBNConnector` without normalisation (conv with bias).

    Args:
        in_channels (int): Channels of the student feature.
        out_channels (int): Channels of the teacher feature.
        kernel_size (int): Odd conv kernel size. Defaults to 1.
        act (bool): Append a ReLU. Defaults to False.
        identity_if_same (bool): Identity when channels match. Defaults to
            True.
        init_cfg (dict | list[dict], optional): MMEngine initialisation of
            the conv. Defaults to None.

    Note:
        - Input: (B, in_channels, H, W); output: (B, out_channels, H, W).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 1,
                 act: bool = False,
                 identity_if_same: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size=kernel_size,
            act=act,
            identity_if_same=identity_if_same,
            norm_cfg=None,
            init_cfg=init_cfg)
