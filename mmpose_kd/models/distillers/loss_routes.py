"""Where each distillation loss reads the student's and the teacher's output.

A loss config names its inputs with ``student_input``/``teacher_input``:
``'preds'`` (the head's whole forward output: heatmaps, coordinates, or
SimCC's ``(x, y)`` pair) or a module path such as ``'backbone'`` or
``'head.deconv_layers'``, optionally indexed (``'backbone[-1]'``; a
multi-output module defaults to its last output). ``'head'`` is a synonym of
``'preds'``: both give the head's whole output, never one element of it.
Each spec is parsed and checked against the model once, at build time, into
a :class:`LossRoute`.
"""
from dataclasses import dataclass
from typing import Mapping, Optional

import torch
from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from mmpose_kd.utils.module_paths import (TapSpec, get_submodule, parse_tap,
                                          select_output)

#: Alias of the head's forward output (heatmaps, coordinates, SimCC vectors).
PREDS = 'preds'
#: Spec paths that mean the head's whole output.
HEAD_OUTPUT_PATHS = (PREDS, 'head')


@dataclass(frozen=True)
class LossRoute:
    """One input of one distillation loss, resolved against its model.

    Attributes:
        field (str): The config field it came from, for error messages,
            e.g. ``'distill_losses.loss_kd.student_input'``.
        tap (TapSpec): The spec as written (path and optional index).
        module (str): Path of the module whose output is recorded
            (``'head'`` for ``'preds'``).
    """
    field: str
    tap: TapSpec
    module: str

    @property
    def whole_output(self) -> bool:
        """Whether the module's output is used as it is (no index)."""
        return self.tap.path in HEAD_OUTPUT_PATHS and self.tap.index is None

    def pick(self, records: Mapping[str, object], role: str):
        """This route's value among one forward's recorded outputs."""
        if self.module not in records:
            raise RuntimeError(
                f'`{self.field}`: module {self.module!r} was not called '
                f'during the {role} forward.')
        output = records[self.module]
        if self.whole_output:
            return output
        return select_output(output, self.tap.index, self.tap, self.field)

    def __str__(self) -> str:
        return str(self.tap)


def build_route(spec: str, model: nn.Module, field: str,
                owner: str) -> LossRoute:
    """Parse ``spec`` and check that ``model`` has the module it names."""
    tap = parse_tap(spec, field)
    module = 'head' if tap.path in HEAD_OUTPUT_PATHS else tap.path
    get_submodule(model, module, field, owner=owner)
    return LossRoute(field=field, tap=tap, module=module)


def gather_keypoint_weights(data_samples) -> Optional[Tensor]:
    """Stack the (1, K) keypoint weights of top-down samples into (B, K)."""
    weights = []
    for sample in data_samples or []:
        labels = getattr(sample, 'gt_instance_labels', None)
        if not isinstance(labels, BaseDataElement) or \
                'keypoint_weights' not in labels:
            return None
        weights.append(labels.keypoint_weights)
    return torch.cat(weights, dim=0) if weights else None
