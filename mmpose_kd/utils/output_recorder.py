"""Record what chosen submodules return during one forward pass.

MMPose heads compute their loss through ``self.forward(feats)`` rather than
``self(feats)``, so forward hooks would miss the head's predictions. The
recorder therefore wraps each module's ``forward`` for the duration of a
``with`` block and restores it afterwards, catching direct calls as well.
"""
from contextlib import contextmanager
from typing import Dict

from torch import nn


@contextmanager
def record_outputs(modules: Dict[str, nn.Module]):
    """Yield a dict filled with the last output of each named module.

    Args:
        modules (dict[str, nn.Module]): Name -> module to record. One module
            may appear under several names.
    """
    records: Dict[str, object] = {}
    patched = {}
    for name, module in modules.items():
        if id(module) in patched:
            continue
        names = [n for n, m in modules.items() if m is module]
        original = module.forward

        def recording_forward(*args, _original=original, _names=names,
                              **kwargs):
            output = _original(*args, **kwargs)
            for n in _names:
                records[n] = output
            return output

        had_instance_attr = 'forward' in module.__dict__
        patched[id(module)] = (module, had_instance_attr, original)
        module.forward = recording_forward
    try:
        yield records
    finally:
        for module, had_instance_attr, original in patched.values():
            if had_instance_attr:
                module.forward = original
            else:
                del module.forward
