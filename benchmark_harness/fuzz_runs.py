"""One fuzz case run as a user runs a config: a Runner, one training step.

:func:`run_config` builds a :class:`~mmengine.runner.Runner` from a config
dict and trains until the first iteration's hooks, where a probe records
the losses and a description of what was built (:func:`describe_run`),
then stops the run. It reports whether an optimizer step happened, and the
exception that stopped the run, if any; a run that takes longer than its
time box is interrupted. Loggers, message hubs and visualizers the Runner
registered globally are released afterwards, so a thousand runs in one
process do not accumulate them. Two costs that do not change what a run
does are cut: MMEngine formats the config with yapf four times per Runner
(for its log, its visualizer and the dumped copy; 70% of a case's time),
here it keeps the text unformatted; and :func:`frozen_heap` keeps the
fuzzer's own long-lived objects out of the ``gc.collect()`` every dataset
build runs.
"""
import contextlib
import dataclasses
import gc
import hashlib
import io
import logging
import math
import re
import signal
import traceback
import warnings
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.config import config as mmengine_config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.utils import ManagerMixin

TIMESTAMP = re.compile(r'\d{8}_\d{6}')
ADDRESS = re.compile(r' at 0x[0-9a-f]+')
#: Attributes that differ between two runs of one config.
VOLATILE = ('training', 't', 'time_sec_tot', 'start_iter')
LOADER_ATTRS = ('batch_size', 'num_workers', 'drop_last', 'pin_memory',
                'persistent_workers', 'timeout')
DATASET_ATTRS = ('data_root', 'ann_file', 'data_prefix', 'data_mode',
                 'test_mode', 'filter_cfg', 'bbox_file', 'indices')
LOOP_ATTRS = ('max_iters', 'max_epochs', 'val_begin', 'val_interval')


class CaseTimeout(BaseException):
    """The case ran past its time box (a BaseException: no ``except
    Exception`` in the code under test may swallow it)."""


class _StepDone(BaseException):
    """Raised by the probe after the first iteration."""


@dataclasses.dataclass
class RunResult:
    """What one run did.

    Attributes:
        status: ``'stepped'`` (one iteration done), ``'raised'``,
            ``'no_step'`` (training ended without an iteration) or
            ``'timeout'``.
        error: The exception that stopped the run (``'raised'``).
        steps: Optimizer steps taken before it stopped.
        losses: The first iteration's logged values.
        described: :func:`describe_run` of the stepped run.
        probe_error: Traceback of the probe's own failure, if any.
    """
    status: str
    error: Optional[BaseException] = None
    traceback: str = ''
    steps: int = 0
    losses: Optional[dict] = None
    described: Optional[dict] = None
    probe_error: str = ''

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.losses or {}).values())


def _plain(value, strip, depth=0):
    """A comparable, printable form of an attribute value."""
    if isinstance(value, str):
        return strip(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (torch.Tensor, np.ndarray)):
        array = value.detach().cpu().numpy() if isinstance(
            value, torch.Tensor) else value
        if array.dtype.kind in 'biuf' and array.size <= 64:
            return [list(array.shape), array.astype(float).round(6).tolist()]
        return [list(array.shape), str(array.dtype)]
    if depth > 4:
        return type(value).__name__
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, strip, depth + 1)
                for k, v in list(value.items())[:64]}
    if isinstance(value, (list, tuple)):
        return [_plain(v, strip, depth + 1) for v in value[:64]]
    return type(value).__name__


def _attributes(obj, strip, names=None) -> dict:
    items = getattr(obj, '__dict__', {}).items() if names is None else (
        (n, getattr(obj, n, None)) for n in names)
    out = {'class': type(obj).__name__}
    out.update({k: _plain(v, strip) for k, v in items
                if not k.startswith('_') and k not in VOLATILE
                and not callable(v) and not isinstance(v, torch.nn.Module)})
    return out


def _modules(model, strip) -> dict:
    return {name or '<root>': _attributes(module, strip)
            for name, module in model.named_modules()}


def _loader(loader, strip) -> dict:
    dataset = loader.dataset
    return dict(
        loader=_attributes(loader, strip, LOADER_ATTRS),
        sampler=_attributes(loader.sampler, strip),
        dataset=dict(_attributes(dataset, strip, DATASET_ATTRS),
                     length=len(dataset)),
        pipeline=[_attributes(t, strip)
                  for t in getattr(dataset.pipeline, 'transforms', [])])


def describe_run(runner, work_dir: str) -> dict:
    """What a Runner built: every module's settings and parameter shapes
    (the frozen teacher's weights by hash), the loaders, datasets and
    pipelines, optimizer groups, schedulers, hooks and loops."""
    def strip(text):
        text = text.replace(work_dir, '<work_dir>')
        return ADDRESS.sub('', TIMESTAMP.sub('<time>', text))

    model = runner.model
    described = dict(
        modules=_modules(model, strip),
        shapes={k: list(v.shape) for k, v in model.state_dict().items()})
    teacher = getattr(model, 'teacher', None)
    if isinstance(teacher, torch.nn.Module):
        digest = hashlib.sha256()
        for key, tensor in teacher.state_dict().items():
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().float().numpy().tobytes())
        described['teacher'] = dict(modules=_modules(teacher, strip),
                                    weights=digest.hexdigest())
    optim = runner.optim_wrapper
    described['optimizer'] = dict(
        wrapper=_attributes(optim, strip),
        groups=[{k: _plain(v, strip) for k, v in group.items()
                 if k != 'params'} | {'params': len(group['params'])}
                for group in optim.optimizer.param_groups])
    described['schedulers'] = [_attributes(s, strip)
                               for s in runner.param_schedulers or []]
    described['hooks'] = [_attributes(h, strip) for h in runner.hooks
                          if not isinstance(h, _Probe)]
    described['train_loop'] = _attributes(runner.train_loop, strip,
                                          LOOP_ATTRS)
    described['train_data'] = _loader(runner.train_dataloader, strip)
    val_loop = runner.val_loop
    described['val_data'] = _loader(val_loop.dataloader, strip)
    described['metrics'] = [_attributes(m, strip)
                            for m in val_loop.evaluator.metrics]
    return described


class _Probe(Hook):
    """Counts optimizer steps; after the first iteration records and
    describes the run, then stops it."""

    priority = 'HIGHEST'

    def __init__(self, result: RunResult, work_dir: str):
        self.result, self.work_dir = result, work_dir

    def before_train(self, runner) -> None:
        step = runner.optim_wrapper.step

        def counted(*args, **kwargs):
            self.result.steps += 1
            return step(*args, **kwargs)
        runner.optim_wrapper.step = counted

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.result.status = 'stepped'
        try:
            self.result.losses = {k: float(v) for k, v in
                                  (outputs or {}).items()}
            self.result.described = describe_run(runner, self.work_dir)
        except Exception:  # noqa: BLE001 - reported as the fuzzer's fault
            self.result.probe_error = traceback.format_exc()
        raise _StepDone()


def _raise_timeout(signum, frame):
    raise CaseTimeout()


def _manager_instances() -> dict:
    """Every ManagerMixin class's registered instance names, by class."""
    found, todo = {}, [ManagerMixin]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if '_instance_dict' in vars(cls):
            found[cls] = set(cls._instance_dict)
    return found


def _release(before: dict) -> None:
    for cls, names in _manager_instances().items():
        for name in names - before.get(cls, set()):
            instance = cls._instance_dict.pop(name)
            for handler in list(getattr(instance, 'handlers', [])):
                handler.close()
                instance.removeHandler(handler)


@contextlib.contextmanager
def frozen_heap():
    """Objects alive now are skipped by the garbage collector until exit."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _unformatted_config_text():
    original = mmengine_config.FormatCode
    mmengine_config.FormatCode = lambda text, **kwargs: (text, False)
    try:
        yield
    finally:
        mmengine_config.FormatCode = original


@contextlib.contextmanager
def quiet():
    """No output from the code under test: prints, warnings and log
    records below ERROR are dropped."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings():
        warnings.simplefilter('ignore')
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


def run_config(cfg: dict, work_dir: str, timeout: float) -> RunResult:
    """Build a Runner from ``cfg`` (its ``work_dir`` set to ``work_dir``)
    and train one iteration, within ``timeout`` seconds."""
    result = RunResult(status='no_step')
    before = _manager_instances()
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with quiet(), _unformatted_config_text():
            runner = Runner.from_cfg(Config(dict(cfg, work_dir=work_dir)))
            runner.register_hook(_Probe(result, work_dir))
            runner.train()
    except _StepDone:
        pass
    except CaseTimeout as error:
        result.status, result.error = 'timeout', error
    except Exception as error:  # noqa: BLE001 - what the case is about
        result.status, result.error = 'raised', error
        result.traceback = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _release(before)
        torch.set_num_threads(1)
    return result
