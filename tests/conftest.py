"""Shared pytest fixtures: where the test data is, and the ``slow`` mark.

The tiny real COCO set lives beside the checkout, at
``<repo>/../shared/data/coco_tiny`` (CI provides it there), and the tests use
it whenever it is there. A clone without it runs the same tests on a stand-in
written once per session from the project's synthetic generator in
coco_tiny's layout (``tests/coco_tiny.py``). Under CI (``CI=true``) a missing
real set fails the tests instead, so CI always covers the real photographs.
"""
import os.path as osp

import pytest

from tests.coco_tiny import (ANN_FILE, SHARED_DATA_ROOT,
                             build_coco_tiny_standin, real_coco_tiny,
                             running_in_ci)


def pytest_configure(config):
    config.addinivalue_line(
        'markers',
        'slow: end-to-end runs in subprocesses (install, mim, torchrun); '
        'required in CI, deselect locally with -m "not slow"')


@pytest.fixture(scope='session')
def coco_tiny_dir(tmp_path_factory) -> str:
    """The 4-image COCO keypoint set (``test_coco.json`` + images): the real
    one if present, else the generated stand-in (outside CI only)."""
    real = real_coco_tiny(SHARED_DATA_ROOT, running_in_ci())
    if real is not None:
        return real
    return build_coco_tiny_standin(
        str(tmp_path_factory.mktemp('coco_tiny_standin')))


@pytest.fixture(scope='session')
def coco_tiny_cfg_options(coco_tiny_dir) -> list:
    """``--cfg-options`` pointing a config's loaders/metrics at coco_tiny."""
    ann_file = osp.join(coco_tiny_dir, ANN_FILE)
    return [
        f'train_dataloader.dataset.data_root={coco_tiny_dir}',
        f'val_dataloader.dataset.data_root={coco_tiny_dir}',
        f'test_dataloader.dataset.data_root={coco_tiny_dir}',
        f'val_evaluator.ann_file={ann_file}',
        f'test_evaluator.ann_file={ann_file}',
    ]
