"""Channels-last memory format for the whole model and its inputs.

oneDNN (CPUs) and cuDNN (tensor-core GPUs) run convolutions fastest on NHWC
tensors; PyTorch keeps NCHW unless asked. :class:`ChannelsLastHook` asks,
for any MMPose model: the student, and a distiller's teacher with it. It
changes memory layout only: values, checkpoints (state dicts load into
either layout) and results are those of the NCHW run.
"""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
import torch

from mmpose_kd.registry import HOOKS


def _inputs_channels_last(module, args, output):
    """Forward hook of a data preprocessor: its 4-D ``inputs`` as NHWC."""
    if isinstance(output, dict):
        inputs = output.get('inputs')
        if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
            output['inputs'] = inputs.contiguous(
                memory_format=torch.channels_last)
    return output


def to_channels_last(model: torch.nn.Module) -> None:
    """Convert ``model`` (and a distiller's teacher) to channels-last and
    make its data preprocessor hand on NHWC inputs."""
    model.to(memory_format=torch.channels_last)
    preprocessor = getattr(model, 'data_preprocessor', None)
    if preprocessor is None:
        raise ValueError(
            'ChannelsLastHook: the model has no `data_preprocessor` to '
            'hand on channels-last inputs.')
    preprocessor.register_forward_hook(_inputs_channels_last)


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Put the model's parameters and the batches it sees in channels-last.

    Runs before training, validation and testing (once per model): the
    model's 4-D parameters and buffers are converted in place (the
    optimizer keeps the same parameter objects), and a forward hook on the
    model's ``data_preprocessor`` hands its ``inputs`` on as NHWC.

    Example:
        >>> custom_hooks = [dict(type='mmpose_kd.ChannelsLastHook')]

    Or ``tools/train.py CONFIG --channels-last``.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._converted = set()

    def _convert(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if id(model) in self._converted:
            return
        to_channels_last(model)
        self._converted.add(id(model))
        print_log('ChannelsLastHook: model and inputs in channels-last '
                  'memory format.', logger='current')

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
