"""``init_weights`` without MMEngine's log line for every parameter."""
import torch


def init_weights_quietly(model: torch.nn.Module) -> None:
    """``model.init_weights()`` with the current MMLogger at WARNING, its
    level restored afterwards."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
