"""Reduce a CrossRepresentationHead model to the plain regression model.

After OCD training only the regression branch is deployed. These functions
rewrite config and weights so that stock MMPose (no mmpose_kd import needed
for a RegressionHead / RLEHead) loads them with ``strict=True``:
``head.regression.*`` becomes ``head.*``; the heatmap branch and the OCD
losses are dropped; everything outside the head (backbone, ...) is kept.
"""
import copy
from collections import OrderedDict
from typing import Mapping, Tuple


def to_plain_regression(head_cfg: Mapping,
                        state_dict: Mapping,
                        prefix: str = 'head.') -> Tuple[dict, OrderedDict]:
    """Plain regression head config and state dict from an OCD model's.

    Args:
        head_cfg (Mapping): The ``CrossRepresentationHead`` config.
        state_dict (Mapping): Weights of the model (``prefix='head.'``) or of
            the head alone (``prefix=''``).
        prefix (str): Where the head's keys start. Defaults to ``'head.'``.

    Returns:
        tuple:
        - plain_head_cfg (dict): A deep copy of ``head_cfg['regression']``.
        - plain_state_dict (OrderedDict): ``{prefix}regression.*`` renamed to
          ``{prefix}*``, other ``{prefix}*`` keys dropped, the rest kept.

    Note:
        The regression branch reads features after ``regression_neck``
        (default ``GlobalAveragePooling``); the plain model needs that module
        as its neck - see :func:`to_plain_regression_model`.
    """
    regression_cfg = head_cfg.get('regression') if head_cfg else None
    if regression_cfg is None:
        raise ValueError('to_plain_regression: `head_cfg` has no '
                         '`regression` branch config.')
    branch = f'{prefix}regression.'
    plain = OrderedDict()
    found = False
    for key, value in state_dict.items():
        if key.startswith(branch):
            plain[prefix + key[len(branch):]] = value
            found = True
        elif not key.startswith(prefix):
            plain[key] = value
    if not found:
        raise ValueError(
            f'to_plain_regression: no key starts with {branch!r}; is '
            f'`prefix`={prefix!r} right for this state dict?')
    return copy.deepcopy(dict(regression_cfg)), plain


def to_plain_regression_model(model_cfg: Mapping,
                              state_dict: Mapping) -> Tuple[dict, OrderedDict]:
    """Plain pose-model config and state dict from an OCD model's.

    The head becomes its regression branch and the head's ``regression_neck``
    (MMPose's ``GlobalAveragePooling`` unless configured otherwise) becomes
    the model's neck; the neck has no weights.

    Args:
        model_cfg (Mapping): A pose model config (e.g.
            ``TopdownPoseEstimator``) whose ``head`` is a
            CrossRepresentationHead and whose ``neck`` is None.
        state_dict (Mapping): The model's weights (keys ``backbone.*``,
            ``head.*``).

    Returns:
        tuple: (plain model config, plain state dict).
    """
    model_cfg = copy.deepcopy(dict(model_cfg))
    head_cfg = model_cfg.get('head')
    if head_cfg is None:
        raise ValueError('to_plain_regression_model: `model_cfg` has no '
                         '`head`.')
    regression_neck = head_cfg.get('regression_neck',
                                   dict(type='GlobalAveragePooling'))
    if regression_neck is not None and model_cfg.get('neck') is not None:
        raise ValueError(
            'to_plain_regression_model: the model has a `neck` and the head '
            'a `regression_neck`; MMPose models take one neck, combine them '
            'by hand.')
    plain_head_cfg, plain_state_dict = to_plain_regression(
        head_cfg, state_dict, prefix='head.')
    model_cfg['head'] = plain_head_cfg
    if regression_neck is not None:
        model_cfg['neck'] = copy.deepcopy(dict(regression_neck))
    return model_cfg, plain_state_dict
