"""The prepared GPU-machine scripts (tools/device/): they parse, and every
file, config and pin they name exists in this checkout, so a lent machine's
few minutes are not lost to a renamed recipe or a dropped requirement."""
import os.path as osp
import re
import subprocess

import pytest

from tests.config_runs import REPO_ROOT

DEVICE = osp.join(REPO_ROOT, 'tools', 'device')
SCRIPTS = ('gpu_check.sh', 'fetch_wheels.sh')


def read(name):
    with open(osp.join(DEVICE, name)) as f:
        return f.read()


@pytest.mark.parametrize('name', SCRIPTS)
def test_script_parses(name):
    subprocess.run(['bash', '-n', osp.join(DEVICE, name)], check=True)


def test_gpu_check_names_only_files_that_exist():
    script = read('gpu_check.sh')
    paths = set(re.findall(r'\b((?:configs|tools|checkpoints)/[\w./-]+)',
                           script))
    assert {'tools/train.py', 'tools/analysis/benchmark.py',
            'tools/analysis/benchmark_steps.py',
            'checkpoints/quickstart_teacher_fp16.pth'} <= paths
    missing = [p for p in paths if not osp.exists(osp.join(REPO_ROOT, p))]
    assert not missing, missing


def test_fetch_wheels_pins_come_from_the_requirements():
    script = read('fetch_wheels.sh')
    names = re.findall(r'\$\(pin ([\w.-]+)\)', script)
    assert {'mmengine', 'mmcv-lite', 'mmpose', 'mmdet'} <= set(names)
    pinned = set()
    for path in ('build.txt', 'openmmlab.txt', 'nodeps.txt', 'runtime.txt'):
        with open(osp.join(REPO_ROOT, 'requirements', path)) as f:
            pinned |= {line.split('==')[0] for line in f if '==' in line}
    assert set(names) <= pinned, set(names) - pinned
    with open(osp.join(REPO_ROOT, 'tools', 'install_env.sh')) as f:
        assert re.search(r'xtcocotools==[\d.]+', f.read())
