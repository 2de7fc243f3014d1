"""Shared pytest fixtures: where the real test data is, and the ``slow`` mark.

The tiny real COCO set lives beside the checkout, at
``<repo>/../shared/data/coco_tiny`` (CI provides it there). Locally a missing
set skips the tests that need it; under CI (``CI=true``) it fails them, so a
broken CI layout can never pass by skipping.
"""
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA_ROOT = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data')
COCO_TINY_FILES = ('test_coco.json', '000000000785.jpg')


def pytest_configure(config):
    config.addinivalue_line(
        'markers',
        'slow: end-to-end runs in subprocesses (install, mim, torchrun); '
        'required in CI, deselect locally with -m "not slow"')


def running_in_ci() -> bool:
    return os.environ.get('CI', '').strip().lower() in ('1', 'true', 'yes')


def require_shared_data(name: str, files) -> str:
    """Path of ``../shared/data/<name>``; skip (fail under CI) if absent."""
    path = osp.join(SHARED_DATA_ROOT, name)
    missing = [f for f in files if not osp.isfile(osp.join(path, f))]
    if missing:
        message = (f'test data {path} is missing {missing}; it is expected '
                   'beside the checkout at ../shared/data')
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope='session')
def coco_tiny_dir() -> str:
    """The 4-image COCO keypoint set (``test_coco.json`` + images)."""
    return require_shared_data('coco_tiny', COCO_TINY_FILES)


@pytest.fixture(scope='session')
def coco_tiny_cfg_options(coco_tiny_dir) -> list:
    """``--cfg-options`` pointing a config's loaders/metrics at coco_tiny."""
    ann_file = osp.join(coco_tiny_dir, 'test_coco.json')
    return [
        f'train_dataloader.dataset.data_root={coco_tiny_dir}',
        f'val_dataloader.dataset.data_root={coco_tiny_dir}',
        f'test_dataloader.dataset.data_root={coco_tiny_dir}',
        f'val_evaluator.ann_file={ann_file}',
        f'test_evaluator.ann_file={ann_file}',
    ]
