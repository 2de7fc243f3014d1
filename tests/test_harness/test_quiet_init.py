"""``init_weights_quietly``: the weights are initialised, the per-parameter
INFO log is not written, and the logger's level is restored, also when
``init_weights`` raises."""
import logging

import pytest
import torch
from mmengine.logging import MMLogger

from benchmark_harness.quiet_init import init_weights_quietly


class Logs(logging.Handler):

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class Model(torch.nn.Linear):

    def __init__(self, fail=False):
        super().__init__(2, 2)
        self.fail = fail

    def init_weights(self):
        logger = MMLogger.get_current_instance()
        logger.info('weight - initialised by a test')
        logger.warning('a warning stays')
        if self.fail:
            raise RuntimeError('init failed')
        torch.nn.init.constant_(self.weight, 3.0)


def test_init_runs_without_its_info_log_and_the_level_comes_back():
    logger = MMLogger.get_current_instance()
    logger.setLevel(logging.INFO)
    logs = Logs()
    logger.addHandler(logs)
    try:
        model = Model()
        init_weights_quietly(model)
        assert torch.all(model.weight == 3.0)
        assert logs.messages == ['a warning stays']
        assert logger.level == logging.INFO
        with pytest.raises(RuntimeError, match='init failed'):
            init_weights_quietly(Model(fail=True))
        assert logger.level == logging.INFO
    finally:
        logger.removeHandler(logs)
