"""A pose model's parts must fit together at its codec's input size.

A backbone, neck and head that do not fit (a ``neck`` left out before a
regression head, backbone ``strides`` or head deconvolutions that do not
bring the input to the codec's heatmap size) fail in the first training
step with a bare shape error (``mat1 and mat2 shapes cannot be
multiplied``) or, worse, a heatmap size that differs from the targets'.
:func:`check_forward_shapes` runs the model once on a zero image of its
codec's ``input_size`` (batch 1, eval mode, no gradient; training mode is
restored) and raises naming the parts and the settings to change.
"""
import torch
from torch import nn


def _parts(model: nn.Module) -> str:
    neck = getattr(model, 'neck', None)
    return (f'backbone {type(model.backbone).__name__} -> neck '
            f'{type(neck).__name__ if neck is not None else "none"} -> '
            f'head {type(model.head).__name__}')


def check_forward_shapes(model: nn.Module, field: str) -> None:
    """Raise unless ``model`` (an MMPose pose estimator whose head has a
    codec with ``input_size``) turns such an input into the head output
    the codec expects. Other models are left alone.

    Raises:
        RuntimeError: The input does not pass through the model (the type
            of the shape error, with the parts named).
        ValueError: The head's heatmaps are not the codec's
            ``heatmap_size``.
    """
    head = getattr(model, 'head', None)
    size = getattr(getattr(head, 'decoder', None), 'input_size', None)
    if size is None or not hasattr(model, 'extract_feat') or \
            not hasattr(model, 'backbone'):
        return
    param = next(model.parameters(), None)
    image = torch.zeros(1, 3, size[1], size[0],
                        device=param.device if param is not None else 'cpu')
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            feats = model.extract_feat(image)
            # the head's output, and each heatmap branch's of a composite
            # head (a cross-representation head's training-only branch)
            outputs = [(head, head.forward(feats))] + [
                (branch, branch.forward(feats))
                for branch in _heatmap_branches(head)]
    except RuntimeError as error:
        raise RuntimeError(
            f'`{field}`: a {size[0]}x{size[1]} image (the codec\'s '
            f'input_size) does not pass through {_parts(model)}: {error}. '
            'Each part must take what the one before gives: a regression '
            'head needs a `neck` such as GlobalAveragePooling, '
            '`in_channels` must be the channels given, and the backbone\'s '
            '`strides` with the head\'s deconvolutions set the heatmap '
            'size a heatmap head compares with its own.') from error
    finally:
        model.train(training)
    for part, output in outputs:
        _check_heatmap_size(field, model, part, output, size)


def _heatmap_branches(head: nn.Module):
    """Sub-heads of ``head`` with a heatmap codec of their own."""
    return [child for child in head.children()
            if getattr(getattr(child, 'decoder', None), 'heatmap_size',
                       None) is not None and hasattr(child, 'forward')]


def _check_heatmap_size(field, model, part, output, size) -> None:
    expected = getattr(getattr(part, 'decoder', None), 'heatmap_size', None)
    if expected is None or not isinstance(output, torch.Tensor) or \
            output.dim() != 4 or \
            (output.shape[3], output.shape[2]) == tuple(expected):
        return
    where = '' if part is model.head else \
        f' (its {type(part).__name__} branch)'
    raise ValueError(
        f'`{field}`: a {size[0]}x{size[1]} image (the codec\'s '
        f'input_size) gives {output.shape[3]}x{output.shape[2]} heatmaps '
        f'through {_parts(model)}{where}, but the codec\'s heatmap_size is '
        f'{tuple(expected)}: the backbone\'s `strides` and the head\'s '
        '`deconv_out_channels`/`deconv_kernel_sizes` must bring the input '
        'size to the heatmap size.')
