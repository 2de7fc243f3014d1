"""A connector that passes the student feature through unchanged."""
from mmengine.model import BaseModule
from torch import Tensor

from mmpose_kd.registry import MODELS


@MODELS.register_module()
class IdentityConnector(BaseModule):
    """Identity connector, for student and teacher features of equal shape.

    Spelling it out in a config (rather than ``connector=None``) documents that
    the feature shapes are meant to match.

    Args:
        init_cfg (dict, optional): Accepted like every connector's; there
            are no weights to initialise.

    Note:
        - Input and output: (B, C, H, W).
    """

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg=init_cfg)

    def forward(self, x: Tensor) -> Tensor:
        return x
