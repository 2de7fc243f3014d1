"""The package as a user gets it: ``pip install .``, then ``mim train``.

A copy of the checkout is installed into a temporary ``--target`` directory
(``--no-deps --no-build-isolation --no-index``: nothing is downloaded), and
every run below imports that installed copy through ``PYTHONPATH``, never the
checkout. One ``mim train`` run on coco_tiny is shared by the tests that
evaluate and resume its checkpoint (both load it through MMEngine's normal
checkpoint path, which mmpose_kd makes weights-only safe).
"""
import filecmp
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest

from mmpose_kd.utils import safe_load_checkpoint
from mmpose_kd.version import __version__
from tests.test_tools.tool_runs import (REPO_ROOT, TINY_CONFIG, logged_aps,
                                        run_checked, tool_env)

pytestmark = pytest.mark.slow

CONFIG_NAME = osp.splitext(osp.basename(TINY_CONFIG))[0]
# Not part of a source distribution: environments, outputs, VCS, build trees.
TOP_LEVEL_SKIP = {'.git', '.venv', '.ci_venv', 'work_dirs', 'build', 'dist',
                  'data'}
ANY_LEVEL_SKIP = {'__pycache__', '.pytest_cache', '.mim'}


def ignore_non_source(dirpath, names):
    skip = {n for n in names if n in ANY_LEVEL_SKIP or n.endswith('.egg-info')}
    if osp.abspath(dirpath) == REPO_ROOT:
        skip |= TOP_LEVEL_SKIP & set(names)
    return skip


def relative_files(root):
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != '__pycache__']
        found |= {
            osp.relpath(osp.join(dirpath, f), root)
            for f in filenames if not f.endswith(('.pyc', '.pyo'))
        }
    return found


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(source copy, --target dir) of a fresh non-editable install."""
    root = tmp_path_factory.mktemp('install')
    src, target = str(root / 'src'), str(root / 'site')
    shutil.copytree(REPO_ROOT, src, ignore=ignore_non_source)
    run_checked([
        sys.executable, '-m', 'pip', 'install', '--no-deps',
        '--no-build-isolation', '--no-index', '--target', target, src
    ],
                cwd=str(root),
                env=tool_env(PIP_DISABLE_PIP_VERSION_CHECK='1'))
    return src, target


@pytest.fixture(scope='module')
def mim_run(installed, coco_tiny_cfg_options, tmp_path_factory):
    """``mim train mmpose_kd`` with the installed package; default work dir."""
    _, target = installed
    cwd = str(tmp_path_factory.mktemp('mim_run'))
    output = run_checked([
        sys.executable, '-m', 'mim', 'train', 'mmpose_kd', TINY_CONFIG,
        '--cfg-options', *coco_tiny_cfg_options
    ],
                         cwd=cwd,
                         env=tool_env(pythonpath=target))
    return osp.join(cwd, 'work_dirs', CONFIG_NAME), output


def installed_tool(installed, name):
    return osp.join(installed[1], 'mmpose_kd', '.mim', 'tools', name)


def test_pip_install_ships_configs_and_tools_for_mim(installed):
    src, target = installed
    assert sorted(os.listdir(target)) == [
        'mmpose_kd', f'mmpose_kd-{__version__}.dist-info'
    ]
    mim_root = osp.join(target, 'mmpose_kd', '.mim')
    for name in ('configs', 'tools'):
        shipped = relative_files(osp.join(mim_root, name))
        assert shipped == relative_files(osp.join(REPO_ROOT, name))
    assert filecmp.cmp(
        osp.join(mim_root, 'tools', 'train.py'),
        osp.join(REPO_ROOT, 'tools', 'train.py'),
        shallow=False)
    assert osp.isfile(osp.join(mim_root, 'configs', '_base_',
                               'default_runtime.py'))
    # pip records the copies, so `pip uninstall` removes them too
    with open(osp.join(target, f'mmpose_kd-{__version__}.dist-info',
                       'RECORD')) as f:
        assert 'mmpose_kd/.mim/tools/train.py,' in f.read()
    # the build copies into its build tree, never into the source tree
    assert not osp.lexists(osp.join(src, 'mmpose_kd', '.mim'))


def test_mim_train_runs_installed_tools_and_saves_a_checkpoint(
        installed, mim_run):
    work_dir, output = mim_run
    assert installed_tool(installed, 'train.py') in output
    assert re.search(r'--launcher none', output)
    checkpoint = osp.join(work_dir, 'epoch_1.pth')
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip() == checkpoint
    state = safe_load_checkpoint(checkpoint)
    assert state['meta']['epoch'] == 1
    assert state['meta']['iter'] == 3  # 12 train instances / batch 4
    # the tiny config's 64-channel deconv head, 17 keypoints
    assert tuple(state['state_dict']['head.final_layer.weight'].shape) == (
        17, 64, 1, 1)
    aps = logged_aps(output)
    assert len(aps) == 1 and 0.0 <= aps[0] <= 1.0


def test_tools_test_evaluates_the_checkpoint(installed, mim_run, tmp_path,
                                             coco_tiny_cfg_options):
    work_dir, _ = mim_run
    dump = str(tmp_path / 'preds.pkl')
    output = run_checked([
        sys.executable,
        installed_tool(installed, 'test.py'), TINY_CONFIG,
        osp.join(work_dir, 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--dump', dump, '--cfg-options',
        *coco_tiny_cfg_options
    ],
                         cwd=str(tmp_path),
                         env=tool_env(pythonpath=installed[1]))
    metrics = json.loads(output[output.rindex('{\n'):])
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    assert osp.getsize(dump) > 0


def test_tools_train_resumes_from_latest_checkpoint(installed, mim_run,
                                                    tmp_path,
                                                    coco_tiny_cfg_options):
    work_dir = str(tmp_path / 'resumed')
    shutil.copytree(mim_run[0], work_dir)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work_dir, 'epoch_1.pth'))
    output = run_checked([
        sys.executable,
        installed_tool(installed, 'train.py'), TINY_CONFIG, '--work-dir',
        work_dir, '--resume', '--cfg-options', 'train_cfg.max_epochs=2',
        *coco_tiny_cfg_options
    ],
                         cwd=str(tmp_path),
                         env=tool_env(pythonpath=installed[1]))
    assert 'resumed epoch: 1, iter: 3' in output
    assert 'Epoch(train) [2][3/3]' in output
    assert safe_load_checkpoint(osp.join(work_dir,
                                         'epoch_2.pth'))['meta']['epoch'] == 2


def test_mim_train_runs_the_quickstart_distillation_config(
        installed, tmp_path):
    """The README's ``mim train mmpose_kd configs/...`` line, shrunk: the
    TCD distiller config found by basename inside the installed package,
    trained for one epoch on a tiny generated set with a random teacher."""
    _, target = installed
    data_root = str(tmp_path / 'synthetic')
    options = []
    for loader in ('train_dataloader', 'val_dataloader'):
        options += [
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.dataset.generate.num_images=6',
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False'
        ]
    options += [
        f'val_evaluator.0.ann_file={data_root}/annotations/'
        'person_keypoints_val.json', 'model.teacher_ckpt=None',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'train_dataloader.batch_size=4'
    ]
    output = run_checked([
        sys.executable, '-m', 'mim', 'train', 'mmpose_kd',
        'tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py', '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *options
    ],
                         cwd=str(tmp_path),
                         env=tool_env(pythonpath=target))
    assert 'distill.loss_coord' in output and 'coco/AP' in output
    assert osp.isfile(str(tmp_path / 'work' / 'student.pth'))
    assert osp.isfile(str(tmp_path / 'work' / 'student_config.py'))


IMPORT_EVERY_MODULE = '''
import importlib, json, os, pkgutil, sys
import mmpose_kd
assert mmpose_kd.__file__.startswith({target!r}), mmpose_kd.__file__
names = sorted(m.name for m in pkgutil.walk_packages(
    mmpose_kd.__path__, 'mmpose_kd.'))
for name in names:
    importlib.import_module(name)
print(json.dumps(dict(modules=names, harness='benchmark_harness' in
                      sys.modules)))
'''


def test_every_module_of_the_installed_package_imports(installed, tmp_path):
    _, target = installed
    output = run_checked(
        [sys.executable, '-c', IMPORT_EVERY_MODULE.format(target=target)],
        cwd=str(tmp_path), env=tool_env(pythonpath=target))
    result = json.loads(output.strip().splitlines()[-1])
    shipped = {
        osp.splitext(osp.relpath(osp.join(d, f), target))[0].replace(
            os.sep, '.').replace('.__init__', '')
        for d, _, files in os.walk(osp.join(target, 'mmpose_kd'))
        if '.mim' not in d for f in files if f.endswith('.py')
    } - {'mmpose_kd'}
    assert set(result['modules']) == shipped
    for name in ('mmpose_kd.deploy.export_student', 'mmpose_kd.analysis.'
                 'loss_balance', 'mmpose_kd.cli.train',
                 'mmpose_kd.engine.hooks.loss_balance_hook'):
        assert name in shipped
    # the harness is repo-level: not in the wheel, not imported by anything
    assert not osp.exists(osp.join(target, 'benchmark_harness'))
    assert not result['harness']


def shipped_tools(target):
    root = osp.join(target, 'mmpose_kd', '.mim', 'tools')
    return sorted(
        osp.relpath(osp.join(d, f), root) for d, _, files in os.walk(root)
        for f in files if f.endswith('.py'))


#: The tools that drive the checkout-only benchmark harness.
CHECKOUT_TOOLS = {
    'quickstart.py', 'analysis/ablation.py', 'analysis/benchmark.py',
    'analysis/benchmark_report.py', 'analysis/benchmark_steps.py',
    'analysis/profile_kd_step.py', 'analysis/teacher_cache_benchmark.py',
    'analysis/teacher_cache_accuracy.py', 'analysis/precision_steps.py',
    'analysis/precision_accuracy.py', 'analysis/fuzz_configs.py',
    'docs/gen_reference.py'
}


def test_every_shipped_cli_runs_or_says_it_needs_a_checkout(
        installed, tmp_path):
    """``--help`` of each tool under ``mmpose_kd/.mim/tools`` of the
    installed package: a usage line, or a plain "needs a checkout"."""
    _, target = installed
    tools = shipped_tools(target)
    assert CHECKOUT_TOOLS < set(tools)
    for tool in tools:
        result = subprocess.run(
            [sys.executable, installed_tool(installed, tool), '--help'],
            cwd=str(tmp_path), env=tool_env(pythonpath=target),
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=300)
        if tool in CHECKOUT_TOOLS:
            assert result.returncode == 2, (tool, result.stderr[-2000:])
            assert f'{tool.split("/")[-1]} needs a checkout of mmpose_kd' \
                in result.stderr.replace('tools/analysis/', '').replace(
                    'tools/docs/', '').replace('tools/', ''), (
                        tool, result.stderr[-2000:])
            assert 'Traceback' not in result.stderr
        else:
            assert result.returncode == 0, (tool, result.stderr[-2000:])
            assert result.stdout.startswith('usage:'), (tool, result.stdout)
