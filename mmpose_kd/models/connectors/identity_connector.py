"""A connector that passes the student feature through unchanged."""
from torch import Tensor, nn

from mmpose_kd.registry import MODELS


@MODELS.register_module()
class IdentityConnector(nn.Module):
    """Identity connector, for student and teacher features of equal shape.

    Spelling it out in a config (rather than ``connector=None``) documents that
    the feature shapes are meant to match.

    Note:
        - Input and output: (B, C, H, W).
    """

    def forward(self, x: Tensor) -> Tensor:
        return x
