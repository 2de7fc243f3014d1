from .checkpoint import (CheckpointLoadError, StateDictFit,
                         check_state_dict_fit, extract_state_dict,
                         load_state_dict_checked, safe_load_checkpoint,
                         state_dict_fit)
from .module_paths import TapSpec, get_submodule, parse_tap, select_output
from .output_recorder import record_outputs
from .topdown_batch import topdown_batch

__all__ = [
    'CheckpointLoadError', 'StateDictFit', 'check_state_dict_fit',
    'state_dict_fit', 'extract_state_dict', 'load_state_dict_checked',
    'safe_load_checkpoint', 'TapSpec', 'get_submodule', 'parse_tap',
    'select_output', 'record_outputs', 'topdown_batch'
]
