"""Export a plain MMPose student to ONNX and run it like ``inference_topdown``.

The graph is the network only - backbone, neck and head ``forward`` - on a
preprocessed ``(N, 3, H, W)`` float32 input (RGB, normalised as the model's
``PoseDataPreprocessor`` does), with a dynamic batch axis; its outputs are
the head's raw outputs (heatmaps, coordinates or SimCC vectors). Pre- and
post-processing stay in Python and are MMPose's own:
:func:`onnx_inference_topdown` runs the model config's test pipeline and data
preprocessor, the ONNX session, then the head's own ``predict`` decoding
(its ``forward`` replaced by the ONNX outputs) and ``add_pred_to_datasample``, so its keypoints are comparable with
``mmpose.apis.inference_topdown`` (without flip test, which would need a
second, flipped pass). The command line is ``tools/export_onnx.py``
(:mod:`mmpose_kd.cli.export_onnx`); onnx and onnxruntime are optional dependencies.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from mmpose_kd.utils.model_input import input_shape

INPUT_NAME = 'input'


class _NetworkOnly(nn.Module):
    """``extract_feat`` + ``head.forward`` of a top-down pose estimator."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, inputs):
        return self.model.head.forward(self.model.extract_feat(inputs))


def _output_names(outputs) -> List[str]:
    if isinstance(outputs, (tuple, list)):
        return [f'output_{i}' for i in range(len(outputs))]
    return ['output']


def export_onnx(model: nn.Module, out_file: str, opset: int = 17,
                size: Optional[Sequence[int]] = None,
                dynamic_batch: bool = True) -> str:
    """Write ``model``'s network to ``out_file`` (atomically); return it."""
    if size is None:
        try:
            _, height, width = input_shape(model.cfg, model)
        except ValueError:
            raise ValueError('cannot find the input size in the model config '
                             '(no head codec, `codec` or TopdownAffine); pass '
                             '--input-size W H.') from None
    else:
        width, height = size
    model = model.eval()
    dummy = torch.zeros(1, 3, height, width)
    network = _NetworkOnly(model).eval()
    with torch.no_grad():
        names = _output_names(network(dummy))
    axes = None
    if dynamic_batch:
        axes = {INPUT_NAME: {0: 'batch'}}
        axes.update({name: {0: 'batch'} for name in names})
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    tmp_file = out_file + '.tmp'
    torch.onnx.export(
        network, (dummy, ), tmp_file, input_names=[INPUT_NAME],
        output_names=names, dynamic_axes=axes, opset_version=opset,
        dynamo=False)
    os.replace(tmp_file, out_file)
    return out_file


def _session(onnx_file: str):
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError('onnxruntime is needed to run the exported model: '
                          'pip install onnxruntime') from error
    return onnxruntime.InferenceSession(
        onnx_file, providers=['CPUExecutionProvider'])


def onnx_inference_topdown(session, model: nn.Module,
                           img: Union[str, np.ndarray],
                           bboxes: Optional[np.ndarray] = None) -> list:
    """``inference_topdown`` with the network run by an onnxruntime session
    (``session`` may also be the ``.onnx`` path). ``model`` (built by
    ``init_model``) supplies the pipeline, preprocessing and decoding."""
    from mmpose_kd.utils import topdown_batch
    if isinstance(session, str):
        session = _session(session)
    batch = topdown_batch(model.cfg.test_dataloader.dataset.pipeline,
                          model.dataset_meta, img, bboxes)
    data = model.data_preprocessor(batch, False)
    outputs = session.run(None, {INPUT_NAME: data['inputs'].numpy()})
    outputs = [torch.from_numpy(o) for o in outputs]
    outputs = outputs[0] if len(outputs) == 1 else tuple(outputs)
    # The head's own ``predict`` decodes (each head shapes its outputs for
    # its codec differently); its ``forward`` is replaced by the ONNX result.
    head = model.head
    head.forward = lambda feats: outputs
    try:
        preds = head.predict(None, data['data_samples'],
                             test_cfg=dict(model.test_cfg, flip_test=False))
    finally:
        del head.forward
    if isinstance(preds, tuple):  # (instances, heatmap fields)
        preds = preds[0]
    return model.add_pred_to_datasample(preds, None, data['data_samples'])
