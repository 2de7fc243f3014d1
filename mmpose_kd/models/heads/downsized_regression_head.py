"""A DeepPose-style head with a 1x1 channel reduction / hidden FC layers.

The final FC reads a narrower vector: a 1x1 convolution reduces the
channels and/or hidden FC layers sit in between. Everything but
:meth:`forward` (loss, predict, flip test, decoding) is MMPose's
:class:`RegressionHead`.

This is *not* the downsized head of the Cross-Representation Distillation
recipes any more: DeepPose's FC head is already tiny, so trimming it saves
under 1% of a model (3,048 of the quick-start student's 706,482 params). The
recipes read the downsized head as MMPose's ``IntegralRegressionHead`` with
its SimpleBaseline deconvolutions cut to one light layer (docs/crd.md,
"Downsized head"). This head stays for configs that use it; it is a plugin
type, so an exported config that uses it imports ``mmpose_kd``.
"""
from typing import Sequence, Tuple

from mmpose.models.heads import RegressionHead
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor, nn

from mmpose_kd.registry import MODELS


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f'DownsizedRegressionHead: `{name}` must be a '
                         f'positive int, got {value!r}.')
    return value


@MODELS.register_module()
class DownsizedRegressionHead(RegressionHead):
    """Regression head: [1x1 conv + ReLU] -> GAP -> [FC + ReLU]* -> FC.

    Parameter count (C input channels, r = ``reduce_channels``, K joints):
    ``C*r + r + r*2K + 2K`` against ``C*2K + 2K`` for :class:`RegressionHead`,
    so a channel reduction makes the head smaller only when
    ``r < 2K*C / (C + 2K)`` (about 32 for C=512, K=17).

    Args:
        in_channels (int): Input channels.
        num_joints (int): Number of joints K.
        reduce_channels (int, optional): Output channels of a 1x1 conv (with
            ReLU) applied before pooling. ``None``: no reduction.
        hidden_dims (Sequence[int]): Widths of hidden FC layers (each with
            ReLU) before the final FC. Defaults to none.
        loss (dict): Keypoint loss, as in :class:`RegressionHead`.
        decoder (dict, optional): Codec config, as in :class:`RegressionHead`.
        init_cfg (dict, optional): Initialisation config.

    Note:
        - input: ``feats[-1]`` either pooled (B, C), as after MMPose's
          ``GlobalAveragePooling`` neck, or spatial (B, C, h, w), which is
          reduced and then averaged over h, w.
        - output: (B, K, 2) normalised coordinates.
    """

    def __init__(self,
                 in_channels: int,
                 num_joints: int,
                 reduce_channels: int = None,
                 hidden_dims: Sequence[int] = (),
                 loss: ConfigType = dict(
                     type='SmoothL1Loss', use_target_weight=True),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        if reduce_channels is None and not hidden_dims:
            raise ValueError(
                'DownsizedRegressionHead: give `reduce_channels` and/or '
                '`hidden_dims`; without either, use RegressionHead.')
        super().__init__(
            in_channels=in_channels,
            num_joints=num_joints,
            loss=loss,
            decoder=decoder,
            init_cfg=init_cfg)
        width = _check_positive_int('in_channels', in_channels)
        self.reduce = None
        if reduce_channels is not None:
            width = _check_positive_int('reduce_channels', reduce_channels)
            self.reduce = nn.Sequential(
                nn.Conv2d(in_channels, width, kernel_size=1),
                nn.ReLU(inplace=True))
        layers = []
        for index, dim in enumerate(hidden_dims):
            dim = _check_positive_int(f'hidden_dims[{index}]', dim)
            layers += [nn.Linear(width, dim), nn.ReLU(inplace=True)]
            width = dim
        self.hidden = nn.Sequential(*layers)
        # Replaces RegressionHead's in_channels -> 2K layer.
        self.fc = nn.Linear(width, num_joints * 2)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Return (B, K, 2) coordinates from ``feats[-1]``."""
        x = feats[-1]
        if x.dim() == 2:
            x = x[:, :, None, None]
        if self.reduce is not None:
            x = self.reduce(x)
        x = x.mean(dim=(2, 3))
        x = self.hidden(x)
        return self.fc(x).reshape(-1, self.num_joints, 2)
