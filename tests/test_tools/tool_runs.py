"""Helpers for tests that run the tools in subprocesses."""
import os
import os.path as osp
import re
import socket
import subprocess
from typing import Dict, List, Optional, Sequence

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(REPO_ROOT, 'tests', 'data', 'configs',
                       'tiny_topdown_res18_coco_tiny.py')
AP_PATTERN = re.compile(r'coco/AP: (\d+\.\d+)')


def tool_env(pythonpath: Optional[str] = None, **extra: str) -> Dict:
    """The parent environment without launcher leftovers, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items() if k not in ('PYTHONPATH', 'LOCAL_RANK',
                                                    'RANK', 'WORLD_SIZE')
    }
    if pythonpath:
        env['PYTHONPATH'] = pythonpath
    env.update(extra)
    return env


def run_checked(cmd: Sequence[str], cwd: str, env: Dict,
                timeout: float = 300) -> str:
    """Run ``cmd``; return its output, or fail showing the output's tail."""
    result = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,  # `mim` would prompt to install; refuse
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout)
    assert result.returncode == 0, (
        f'{" ".join(cmd)} exited with {result.returncode}:\n'
        f'{result.stdout[-6000:]}')
    return result.stdout


def logged_aps(output: str) -> List[float]:
    return [float(v) for v in AP_PATTERN.findall(output)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
