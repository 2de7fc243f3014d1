"""Fixtures of the tiny MPII and COCO-WholeBody sets (the recipes of
configs/ikd/mpii and configs/crd/coco_wholebody train on them), and one
torch thread for a module that asks for it.

Each is the real set where present (``../shared/data``, as coco_tiny) and a
generated stand-in on a clone without it; under CI a missing real set fails.
"""
import os.path as osp

import pytest
import torch

from tests.coco_tiny import SHARED_DATA_ROOT, running_in_ci
from tests.coco_wholebody_tiny import (ANN_FILE as WHOLEBODY_ANN_FILE,
                                       build_coco_wholebody_standin,
                                       real_coco_wholebody_tiny)
from tests.dataset_runs import tiny_config
from tests.mpii_tiny import (ANN_FILE as MPII_ANN_FILE,
                             build_mpii_tiny_standin, real_mpii_tiny,
                             write_headboxes)


@pytest.fixture(scope='module')
def one_torch_thread():
    """One torch thread for a module's small CPU runs: extra threads only
    add contention on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def mpii_tiny_dir(tmp_path_factory) -> str:
    """The 5-person MPII set (``test_mpii.json`` + images)."""
    real = real_mpii_tiny(SHARED_DATA_ROOT, running_in_ci())
    if real is not None:
        return real
    return build_mpii_tiny_standin(
        str(tmp_path_factory.mktemp('mpii_tiny_standin')))


@pytest.fixture(scope='session')
def mpii_headbox_file(mpii_tiny_dir, tmp_path_factory) -> str:
    """Head boxes of ``mpii_tiny_dir``'s people, for PCKh (a ``.mat``)."""
    path = str(tmp_path_factory.mktemp('mpii_headboxes') / 'headboxes.mat')
    write_headboxes(mpii_tiny_dir, path)
    return path


@pytest.fixture(scope='session')
def coco_wholebody_tiny_dir(coco_tiny_dir, tmp_path_factory) -> str:
    """coco_tiny with ``test_coco_wholebody.json`` (133 keypoints)."""
    real = real_coco_wholebody_tiny(coco_tiny_dir, running_in_ci())
    if real is not None:
        return real
    return build_coco_wholebody_standin(
        coco_tiny_dir, str(tmp_path_factory.mktemp('coco_wholebody_tiny')))


@pytest.fixture
def mpii_tiny_config(mpii_tiny_dir, mpii_headbox_file, tmp_path):
    """``config`` -> that recipe on mpii_tiny, working in ``tmp_path``."""
    def retarget(config):
        return tiny_config(config, mpii_tiny_dir, MPII_ANN_FILE,
                           str(tmp_path), evaluator={},
                           test_dataset=dict(headbox_file=mpii_headbox_file))
    return retarget


@pytest.fixture
def coco_wholebody_tiny_config(coco_wholebody_tiny_dir, tmp_path):
    """``config`` -> that recipe on the tiny COCO-WholeBody set."""
    def retarget(config):
        return tiny_config(
            config, coco_wholebody_tiny_dir, WHOLEBODY_ANN_FILE,
            str(tmp_path), evaluator=dict(ann_file=osp.join(
                coco_wholebody_tiny_dir, WHOLEBODY_ANN_FILE)))
    return retarget
