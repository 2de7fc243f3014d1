"""mmpose_kd: knowledge distillation for MMPose, as a plugin.

Importing the package applies the guarded CPU-stack shims (see
:mod:`mmpose_kd.compat`) and registers every distiller, head, loss, connector,
hook and dataset into the ``mmpose_kd`` registries.
"""
from . import compat

compat.apply_all()

import mmpose.codecs  # noqa: E402,F401  (child registries do not import these)
import mmpose.datasets  # noqa: E402,F401
import mmpose.engine  # noqa: E402,F401
import mmpose.evaluation  # noqa: E402,F401
import mmpose.models  # noqa: E402,F401

from . import cache, datasets, engine, models  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
