"""A distillation run and its student-alone run start from one student."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed

import mmpose_kd  # noqa: F401
from mmpose.registry import MODELS
from tests.config_runs import CONFIGS_ROOT
from tests.test_reliability.run_probes import state_digest

PAIRS = [
    ('quickstart/td-reg_res18-w16_synthetic-128x96.py',
     'quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'),
    ('ikd/td-hm_res18-w18_synthetic-128x96.py',
     'ikd/ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py'),
]


def _initial_student_hash(config: str, seed: int) -> str:
    """Seed, build and initialise ``config``'s model as the Runner does;
    hash the student's initial state_dict."""
    cfg = Config.fromfile(f'{CONFIGS_ROOT}/{config}')
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model_cfg = copy.deepcopy(cfg.model)
    if 'teacher' in model_cfg:
        model_cfg.teacher_ckpt = None
    set_random_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return state_digest(getattr(model, 'student', model).state_dict())


@pytest.mark.parametrize('alone, distilled', PAIRS)
def test_same_seed_same_initial_student(alone, distilled):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert _initial_student_hash(alone, 3) == \
            _initial_student_hash(distilled, 3)
        assert _initial_student_hash(alone, 3) != \
            _initial_student_hash(alone, 4)
    finally:
        torch.set_num_threads(threads)
