"""``tools/test.py`` end to end: prediction pictures, strict and safe loading.

Each test runs the tool in a subprocess on the tiny COCO set with a freshly
initialised model of one MMPose head family (heatmap, regression, SimCC).
"""
import glob
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from tests.test_tools.tool_runs import REPO_ROOT, run_checked, tool_env

pytestmark = pytest.mark.slow

CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'configs')
HEAD_FAMILIES = {
    'heatmap': 'tiny_topdown_res18_coco_tiny.py',
    'regression': 'tiny_topdown_reg_res18_coco_tiny.py',
    'simcc': 'tiny_topdown_simcc_res18_coco_tiny.py',
}
TEST_TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')


def config_path(family: str) -> str:
    return osp.join(CONFIGS, HEAD_FAMILIES[family])


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """An initialised (untrained) checkpoint for each head family."""
    init_default_scope('mmpose')
    out = tmp_path_factory.mktemp('ckpts')
    paths = {}
    for family in HEAD_FAMILIES:
        torch.manual_seed(0)
        model = MODELS.build(Config.fromfile(config_path(family)).model)
        paths[family] = str(out / f'{family}.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}},
                   paths[family])
    return paths


def run_test_tool(args, cwd, **env):
    return subprocess.run([sys.executable, TEST_TOOL, *args],
                          cwd=str(cwd),
                          env=tool_env(**env),
                          stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=300)


@pytest.mark.parametrize('family', sorted(HEAD_FAMILIES))
def test_show_dir_writes_a_picture_per_test_sample(family, checkpoints,
                                                   coco_tiny_dir,
                                                   coco_tiny_cfg_options,
                                                   tmp_path):
    work_dir = tmp_path / 'work'
    output = run_checked([
        sys.executable, TEST_TOOL, config_path(family), checkpoints[family],
        '--work-dir', str(work_dir), '--show-dir', 'vis', '--cfg-options',
        *coco_tiny_cfg_options,
        # untrained models: draw every keypoint, whatever its score
        'default_hooks.visualization.kpt_thr=-1000'
    ], cwd=str(tmp_path), env=tool_env())
    # MMPose's convention: a relative --show-dir is under work_dir/<stamp>/
    [show_dir] = glob.glob(str(work_dir / '*' / 'vis'))
    assert f'prediction pictures: {show_dir}' in output
    cfg = Config.fromfile(config_path(family))
    cfg.test_dataloader.dataset.pipeline = []
    # the same images the tool read: the real set or the plain-clone stand-in
    cfg.test_dataloader.dataset.data_root = coco_tiny_dir
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    pictures = sorted(glob.glob(osp.join(show_dir, '*.jpg')))
    assert len(pictures) == len(dataset)  # one per top-down test sample
    sources = {osp.basename(dataset.get_data_info(i)['img_path'])
               for i in range(len(dataset))}
    assert {osp.basename(p).rsplit('_', 1)[0] + '.jpg'
            for p in pictures} == sources
    for picture in pictures:
        drawn = cv2.imread(picture)
        source = cv2.imread(osp.join(
            osp.dirname(dataset.get_data_info(0)['img_path']),
            osp.basename(picture).rsplit('_', 1)[0] + '.jpg'))
        assert drawn is not None and drawn.shape == source.shape
        # skeleton and box drawn over the photo: many pixels changed
        changed = np.abs(drawn.astype(int) - source.astype(int)).max(-1) > 60
        assert changed.sum() > 200, picture


def test_checkpoint_of_another_model_is_refused(checkpoints,
                                                coco_tiny_cfg_options,
                                                tmp_path):
    args = [
        config_path('simcc'), checkpoints['heatmap'], '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *coco_tiny_cfg_options
    ]
    result = run_test_tool(args, tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    message = result.stdout
    assert 'heatmap.pth' in message and 'does not fit the model' in message
    assert 'missing: [head.mlp' in message or 'head.cls_x' in message
    assert 'unexpected: [head.deconv_layers' in message
    assert 'shape mismatch: [head.final_layer.weight (17, 64, 1, 1) vs ' \
        '(17, 256, 1, 1)' in message
    assert '--non-strict' in message
    assert 'coco/AP' not in message  # nothing was evaluated

    result = run_test_tool([*args, '--non-strict'], tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert '"coco/AP"' in result.stdout


class WritesAFile:
    """A pickle that, if unpickled in full, creates ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_torch_opt_out_does_not_make_test_tool_run_checkpoint_code(
        checkpoints, coco_tiny_cfg_options, tmp_path):
    marker = tmp_path / 'payload_ran'
    crafted = tmp_path / 'crafted.pth'
    state_dict = torch.load(checkpoints['heatmap'])['state_dict']
    torch.save({'state_dict': state_dict, 'meta': WritesAFile(str(marker))},
               str(crafted))
    result = run_test_tool([
        config_path('heatmap'), str(crafted), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *coco_tiny_cfg_options
    ], tmp_path, TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1')
    assert not marker.exists()
    assert result.returncode != 0
    assert 'crafted.pth' in result.stdout
    assert 'MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS=1' in result.stdout
