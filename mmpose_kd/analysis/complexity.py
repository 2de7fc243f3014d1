"""Params, FLOPs and CPU latency of a config's models (teacher vs student).

The logic behind ``tools/analysis/complexity.py``. A config is built without
loading any checkpoint (a distiller's ``teacher_ckpt`` is set to None unless
asked otherwise, and ``init_weights`` is never called, so pretrained
``init_cfg`` URLs are not fetched). Each pose model is measured on its tensor
path (``extract_feat`` + ``head.forward``, no test-time flip or decoding):

- params: every parameter of the model (what a deployed checkpoint holds);
- FLOPs: :class:`mmengine.analysis.FlopAnalyzer` (the counter behind
  ``get_model_complexity_info``) at batch 1, which counts one multiply-add as
  one FLOP (the convention of the MMPose model zoo,
  e.g. SimpleBaseline-ResNet-50 at 256x192: 34.0M params, 5.46 GFLOPs);
- latency: median wall time of ``runs`` forward passes at batch 1 on CPU;
- head params / head FLOPs: the same figures for the model's ``head`` alone
  (its share of the tensor-path FLOPs, from the same analysis). For an OCD
  model the head's params include the training-only heatmap branch, its FLOPs
  only the regression branch that runs (and its ``regression_neck``
  pooling); the ``exported student`` row has the deployed head's. These
  compare a full head with a downsized one (docs/crd.md, "Downsized head").

For a distiller (a model with ``student`` and ``teacher``) the table has a
``student/teacher`` row with the ratios.
"""
import contextlib
import copy
import logging
import statistics
import time
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from torch import nn

from mmpose_kd.utils.model_input import input_shape, pose_models

#: Name of the ratio row of a distiller's table.
RATIO_ROW = 'student/teacher'
#: Figures of a row, in table order.
COLUMNS = ('params', 'flops', 'latency_ms', 'head_params', 'head_flops')
EXPORTED_ROW = 'exported student'


class TensorForward(nn.Module):
    """Expose a pose model's tensor path (backbone, neck, head) as forward."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor):
        return self.model._forward(inputs)


def build_model(cfg: Config, load: bool = False) -> nn.Module:
    """Build ``cfg.model`` in eval mode, without loading checkpoints.

    Args:
        cfg (Config): A plain MMPose config or a distiller config.
        load (bool): Keep the distiller's ``teacher_ckpt`` (loads it).
            Defaults to False.
    """
    import mmpose_kd  # noqa: F401  (registers the distiller and losses)
    from mmpose.registry import MODELS

    from mmpose_kd.models.distillers.pose_distiller import \
        RANDOM_TEACHER_WARNING

    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model_cfg = copy.deepcopy(cfg.model)
    if load or 'teacher_ckpt' not in model_cfg:
        return MODELS.build(model_cfg).eval()
    model_cfg.teacher_ckpt = None
    # counting needs no weights: the distiller's warning that its teacher
    # stays random would only mislead a report
    with _without_message(RANDOM_TEACHER_WARNING):
        return MODELS.build(model_cfg).eval()


@contextlib.contextmanager
def _without_message(message: str):
    """Drop the current MMLogger's records of ``message``."""
    logger = MMLogger.get_current_instance()

    def drop(record: logging.LogRecord) -> bool:
        return record.getMessage() != message

    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def exported_student(cfg: Config, model: nn.Module) -> nn.Module:
    """The model ``tools/export_student.py`` would ship for ``cfg``: the
    distiller's student (or the model itself), OCD heads reduced to their
    regression branch, with ``model``'s current weights."""
    from mmpose.registry import MODELS

    from mmpose_kd.deploy.export_student import plain_student, split_student
    student_cfg, state_dict = split_student(cfg.model, model.state_dict())
    plain_cfg, plain_state = plain_student(student_cfg, state_dict)
    exported = MODELS.build(plain_cfg)
    exported.load_state_dict(plain_state, strict=True)
    return exported.eval()


@contextlib.contextmanager
def _quiet_mmengine():
    """Silence the analysis' per-operator warnings (BN, add_ are not
    counted, as in MMPose's own FLOPs tool)."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def head_params(model: nn.Module) -> int:
    """Parameters of ``model.head`` (0 for a model without a head)."""
    head = getattr(model, 'head', None)
    return count_params(head) if isinstance(head, nn.Module) else 0


def flop_counts(model: nn.Module, shape: Sequence[int]) -> Tuple[int, int]:
    """FLOPs (multiply-adds) of one ``(1, *shape)`` tensor-path forward:
    ``(whole model, head alone)``, from one analysis."""
    with _quiet_mmengine(), torch.no_grad():
        analyzer = FlopAnalyzer(TensorForward(model),
                                (torch.randn(1, *shape), ))
        by_module = analyzer.by_module()
        return int(analyzer.total()), int(by_module.get('model.head', 0))


def count_flops(model: nn.Module, shape: Sequence[int]) -> int:
    """FLOPs (multiply-adds) of one ``(1, *shape)`` tensor-path forward."""
    return flop_counts(model, shape)[0]


def measure_latency(model: nn.Module,
                    shape: Sequence[int],
                    runs: int = 20,
                    warmup: int = 3) -> float:
    """Median milliseconds of ``runs`` batch-1 forwards on CPU."""
    if runs < 1 or warmup < 0:
        raise ValueError(f'need runs >= 1 and warmup >= 0, got runs={runs}, '
                         f'warmup={warmup}.')
    inputs = torch.randn(1, *shape)
    times = []
    with torch.no_grad():
        for index in range(warmup + runs):
            start = time.perf_counter()
            model._forward(inputs)
            if index >= warmup:
                times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def complexity_rows(model: nn.Module,
                    shape: Sequence[int],
                    runs: int = 20,
                    warmup: int = 3,
                    exported: Optional[nn.Module] = None) -> List[dict]:
    """One row per pose model (``name``, ``params``, ``flops``,
    ``latency_ms``, ``head_params``, ``head_flops``; latency None when
    ``runs`` is 0), then ``exported
    student`` when given, plus the deployed/teacher ratio row for a
    distiller (the exported student's if given, else the student's)."""
    rows = []
    models = dict(pose_models(model))
    if exported is not None:
        models[EXPORTED_ROW] = exported
    for name, pose_model in models.items():
        pose_model = pose_model.cpu().eval()
        flops, head_flops = flop_counts(pose_model, shape)
        rows.append(
            dict(
                name=name,
                params=count_params(pose_model),
                flops=flops,
                latency_ms=measure_latency(pose_model, shape, runs, warmup)
                if runs else None,
                head_params=head_params(pose_model),
                head_flops=head_flops))
    names = [row['name'] for row in rows]
    if names[:2] == ['teacher', 'student']:
        teacher, student = rows[0], rows[-1]

        def ratio(key):
            if not teacher[key] or student[key] is None:
                return None
            return student[key] / teacher[key]

        rows.append(
            dict(name=RATIO_ROW, **{key: ratio(key) for key in COLUMNS}))
    return rows


def format_table(rows: List[dict], shape: Sequence[int]) -> str:
    """Render ``rows`` as a Markdown table (ratios with 4 decimals)."""
    lines = [
        f'input shape: {tuple(shape)} (C, H, W), batch 1, CPU, '
        f'{torch.get_num_threads()} threads',
        '| model | params (M) | FLOPs (G) | latency (ms) | head params (M) '
        '| head FLOPs (M) |',
        '|---|---|---|---|---|---|',
    ]
    for row in rows:
        if row['name'] == RATIO_ROW:
            cells = [
                f'{row[k]:.4f}' if row[k] is not None else '-'
                for k in COLUMNS
            ]
        else:
            cells = [
                f"{row['params'] / 1e6:.3f}", f"{row['flops'] / 1e9:.4f}",
                f"{row['latency_ms']:.2f}"
                if row['latency_ms'] is not None else '-',
                f"{row['head_params'] / 1e6:.4f}",
                f"{row['head_flops'] / 1e6:.3f}"
            ]
        lines.append(f"| {row['name']} | " + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
