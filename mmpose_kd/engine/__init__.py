from . import hooks, optim_wrappers  # noqa: F401
from .optim_wrappers import CPUAmpOptimWrapper

__all__ = ['CPUAmpOptimWrapper']
