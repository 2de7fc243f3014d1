"""tools/build_teacher_cache.py: builds, resumes, and exits 1 naming the
problem."""
import subprocess
import sys

import pytest
import torch

from mmpose_kd.cache import TeacherCache
from mmpose_kd.cli.build_teacher_cache import main
from tests.cache_runs import live_cfg
from tests.config_runs import REPO_ROOT


@pytest.fixture
def config(coco_tiny_dir, tmp_path):
    torch.set_num_threads(1)
    path = str(tmp_path / 'tcd_coco_tiny.py')
    live_cfg(coco_tiny_dir, str(tmp_path)).dump(path)
    return path


def test_builds_then_refuses_to_overwrite_and_resumes(config, tmp_path,
                                                      capsys):
    out = str(tmp_path / 'cache')
    args = [config, '--views', '2', '--out', out, '--max-instances', '5',
            '--batch-size', '4', '--no-progress']
    main(args)
    assert '5 instances x 2 views' in capsys.readouterr().out
    cache = TeacherCache.open(out)
    assert cache.num_instances == 5 and not cache.has_heatmaps
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    assert '--resume' in capsys.readouterr().err
    main(args + ['--resume'])  # complete: nothing to do
    with pytest.raises(SystemExit):
        main(args + ['--resume', '--heatmaps'])
    assert 'started with heatmaps=False' in capsys.readouterr().err


def test_a_missing_checkpoint_is_named(config, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([config, '--views', '1', '--out', str(tmp_path / 'c'),
              '--teacher-ckpt', str(tmp_path / 'nope.pth')])
    assert exit_info.value.code == 1
    assert 'nope.pth' in capsys.readouterr().err


def test_the_tool_script_runs_from_the_checkout():
    result = subprocess.run(
        [sys.executable, 'tools/build_teacher_cache.py', '--help'],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert '--views' in result.stdout and '--resume' in result.stdout
