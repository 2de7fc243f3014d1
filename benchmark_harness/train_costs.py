"""What a training run cost: time per iteration and peak memory.

:func:`run_measured` runs a training command and records the peak resident
memory of that process (its ``VmHWM``, polled until it exits; ``wait4``'s
``ru_maxrss`` would also count the parent's memory at fork) in
``train_resources.json`` beside the logs; :func:`read_train_costs` combines
it with the iteration times (and, on CUDA, the peak allocated memory)
MMEngine wrote to the run's ``scalars.json``.
"""
import json
import os
import os.path as osp
import statistics
import subprocess
import time
from typing import Dict, Optional, Sequence, Union

RESOURCES = 'train_resources.json'


def vm_hwm_mb(pid: Union[int, str]) -> Optional[float]:
    """Peak resident memory of a live process (Linux; ``'self'`` for this
    one), in MB; None where ``/proc`` does not tell."""
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_measured(command: Sequence[str], work_dir: str, log,
                 cwd: Optional[str] = None, interval: float = 0.2,
                 env: Optional[Dict[str, str]] = None) -> int:
    """Run ``command`` (in ``env``, default this process's) with output to
    ``log``; write its wall time and peak RSS to
    ``work_dir/train_resources.json``; return its exit status."""
    start = time.time()
    process = subprocess.Popen(list(command), cwd=cwd, stdout=log,
                               stderr=subprocess.STDOUT, env=env)
    peak = None
    try:
        while True:
            # read before reaping: a reaped process has no /proc entry
            hwm = vm_hwm_mb(process.pid)
            if hwm is not None:
                peak = max(peak or 0.0, hwm)
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(interval)
    except BaseException:
        process.kill()
        process.wait()
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    resources = dict(wall_s=time.time() - start)
    if peak is not None:
        resources['peak_rss_mb'] = peak
    with open(osp.join(work_dir, RESOURCES), 'w') as f:
        json.dump(resources, f)
    return process.returncode


def read_train_costs(work_dir: str) -> Dict[str, float]:
    """``step_s`` (median logged seconds per training iteration, data
    loading included), ``cuda_memory_mb`` (MMEngine's logged peak, CUDA
    runs) and ``peak_rss_mb`` / ``wall_s`` where recorded."""
    costs = {}
    from mmpose_kd.utils.scalar_logs import read_records, scalars_files
    files = scalars_files(work_dir)
    if files:
        times, memory = [], []
        for record in read_records(files[-1]):
            if 'loss' in record and 'time' in record:
                times.append(record['time'])
                if 'memory' in record:
                    memory.append(record['memory'])
        if times:
            costs['step_s'] = statistics.median(times)
        if memory:
            costs['cuda_memory_mb'] = max(memory)
    resources = osp.join(work_dir, RESOURCES)
    if osp.isfile(resources):
        with open(resources) as f:
            costs.update(json.load(f))
    return costs
