"""The config fuzzer (tools/analysis/fuzz_configs.py): a seeded sample of
its mutations gives no defect, and its own judgement is checked on made-up
outcomes.

The sample runs 200 mutations of five shipped recipes that between them
have every part the fuzzer mutates (heatmap and regression students,
SimCC, a cross-representation head, weight schedules, string student and
teacher paths, a teacher cache), each built by a Runner and trained one
iteration at batch 2 on coco_tiny.
"""
import os
import os.path as osp
import random
from collections import Counter

import pytest
import torch

import mmpose_kd  # noqa: F401
from benchmark_harness import fuzz_configs
from benchmark_harness.fuzz_configs import Fuzzer, classify, fuzz, names_in
from benchmark_harness.fuzz_mutations import KINDS, Mutation, Mutator
from benchmark_harness.fuzz_report import DEFECTS, REPLAY, report_markdown
from benchmark_harness.fuzz_runs import RunResult, run_config
from benchmark_harness.fuzz_setup import Workspace, shipped_configs

SAMPLE = ('ikd/ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py',
          'quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py',
          'crd/ocd_reg-res18-w16_synthetic-128x96.py',
          'crd/tcd-cached_hm-res18-w32_reg-res18-w16_synthetic-128x96.py',
          'benchmark/kd-dwpose-losses_simcc-res18-w32_simcc-res18-w16_'
          'synthetic-128x96.py')
SAMPLE_SIZE = 200
CASE_TIMEOUT = 60


@pytest.fixture(scope='module')
def data_dir(coco_tiny_dir):
    """The folder holding coco_tiny (the real one or the stand-in)."""
    return osp.dirname(coco_tiny_dir)


@pytest.fixture(scope='module')
def sample(data_dir):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield fuzz(SAMPLE_SIZE, SAMPLE, first_seed=0, timeout=CASE_TIMEOUT,
                   data_dir=data_dir)
    finally:
        torch.set_num_threads(threads)


def test_sample_of_mutations_has_no_defect(sample):
    assert sample['not_runnable'] == {}
    assert len(sample['cases']) == SAMPLE_SIZE
    defects = [f'{REPLAY.format(**c)}: {c["description"]} -> '
               f'{c["outcome"]}: {c["detail"][:300]}'
               for c in sample['cases'] if c['outcome'] in DEFECTS]
    assert not defects, '\n'.join(defects)
    assert sample['scratch_left_behind'] == []
    assert not [c for c in sample['cases'] if c['left_behind']]


def test_sample_covers_every_kind_and_both_good_outcomes(sample):
    kinds = Counter(c['kind'] for c in sample['cases'])
    assert set(kinds) == set(KINDS), kinds
    assert min(kinds.values()) >= 8, kinds
    outcomes = Counter(c['outcome'] for c in sample['cases'])
    assert outcomes['named stop'] >= SAMPLE_SIZE // 2, outcomes
    assert outcomes['trains'] >= 5, outcomes


def test_report_counts_per_kind_and_replays_defects(sample):
    defect = dict(sample['cases'][0], outcome='silent',
                  detail='trained although the value must be refused')
    cases = [c for c in sample['cases'] if c['outcome'] not in DEFECTS]
    text = report_markdown(dict(sample, cases=cases + [defect]))
    assert '| kind | trains | named stop | unnamed stop | silent |' in text
    assert '| all | ' in text
    assert '## Defects (1)' in text
    assert REPLAY.format(**defect) in text


def test_shipped_configs_are_discovered():
    configs = shipped_configs()
    assert set(SAMPLE) <= set(configs)
    assert not [c for c in configs if c.startswith('_base_')]
    assert any(c.startswith('ikd/coco/') for c in configs)


def test_mutation_depends_on_config_and_seed_only(data_dir, tmp_path):
    fuzzer = Fuzzer(str(tmp_path / 'fuzz'), data_dir=data_dir)
    try:
        cfg = fuzzer.workspace.prepare(SAMPLE[0])
        described = [Mutator(cfg, fuzzer.files).mutate(
            random.Random(f'{SAMPLE[0]}:{seed}'))[1] for seed in (7, 7, 8)]
    finally:
        fuzzer.close()
    assert described[0] == described[1]
    assert described[0] != described[2]
    assert not osp.exists(str(tmp_path / 'fuzz'))


# ------------------------------------------------------ the fuzzer's judgement
STRICT = Mutation('misspell_key', 'model.x.mode', 'x', ('mdoe', 'mode'),
                  strict=True)
INVALID = Mutation('out_of_range', 'model.x.sigma', 'x', ('sigma', ),
                   invalid=True)


def _raised(message, steps=0):
    return RunResult(status='raised', error=ValueError(message), steps=steps)


def _stepped(described=None, losses=None):
    return RunResult(status='stepped', described=described or {'a': 1},
                     losses=losses or {'loss': 0.5})


@pytest.mark.parametrize('mutation, result, outcome', [
    (INVALID, _raised('`sigma` must be > 0'), 'named stop'),
    (INVALID, _raised('tensor a (12) must match b (24)'), 'unnamed stop'),
    (INVALID, _raised('`sigma` must be > 0', steps=1), 'unnamed stop'),
    (STRICT, _raised("unknown argument `mdoe`"), 'named stop'),
    (INVALID, _stepped(), 'silent'),
    (STRICT, _stepped({'a': 2}), 'silent'),
    (STRICT, _stepped({'a': 1}), 'trains'),
    (Mutation('drop_key', 'p', 'd', ('k', )), _stepped({'a': 2}), 'trains'),
    (STRICT, _stepped({'a': 1}, {'loss': float('nan')}), 'silent'),
    (STRICT, RunResult(status='no_step'), 'silent'),
    (STRICT, RunResult(status='timeout'), 'hang'),
    (STRICT, RunResult(status='stepped', probe_error='Traceback\nKeyError'),
     'fuzzer error'),
], ids=['named', 'unnamed', 'after a step', 'misspelling named', 'invalid '
        'trains', 'strict changes the build', 'strict changes nothing',
        'drop changes the build', 'non-finite', 'no step', 'hang',
        'probe failed'])
def test_outcomes_are_classified(mutation, result, outcome):
    assert classify(mutation, result, {'a': 1})[0] == outcome


def test_names_are_matched_as_whole_words():
    assert names_in(['sigma'], '`model.head.sigma` must be > 0')
    assert not names_in(['sigma'], 'sigmas must be > 0')
    assert names_in(['/tmp/x/empty'], "image '/tmp/x/empty/1.jpg' missing")


def test_a_case_past_its_time_box_is_a_hang(data_dir, tmp_path):
    workspace = Workspace(str(tmp_path / 'ws'), data_dir)
    cfg = workspace.prepare(SAMPLE[0])
    result = run_config(cfg, str(tmp_path / 'work'), timeout=0.05)
    assert result.status == 'timeout'


def test_files_left_in_the_working_directory_are_reported_and_removed(
        data_dir, tmp_path, monkeypatch):
    def leaves_a_file(cfg, work_dir, timeout):
        with open('stray.log', 'w') as f:
            f.write('written where the run started')
        return RunResult(status='raised', error=ValueError('`mode` bad'))

    fuzzer = Fuzzer(str(tmp_path / 'fuzz'), data_dir=data_dir)
    monkeypatch.setattr(fuzz_configs, 'run_config', leaves_a_file)
    fuzzer.baselines[SAMPLE[0]] = _stepped()
    try:
        case = fuzzer.case(SAMPLE[0], 3)
        assert case['left_behind'] == ['stray.log']
        assert os.listdir(fuzzer.cwd) == []
    finally:
        fuzzer.close()


def test_a_crash_of_the_fuzzer_is_reported_and_the_run_goes_on(
        data_dir, tmp_path, monkeypatch):
    def broken(self, rng):
        raise RuntimeError('the fuzzer itself failed')

    fuzzer = Fuzzer(str(tmp_path / 'fuzz'), data_dir=data_dir)
    monkeypatch.setattr(Mutator, 'mutate', broken)
    fuzzer.baselines[SAMPLE[0]] = _stepped()
    try:
        case = fuzzer.case(SAMPLE[0], 0)
    finally:
        fuzzer.close()
    assert case['outcome'] == 'fuzzer error'
    assert 'the fuzzer itself failed' in case['detail']


def test_replay_reruns_one_case_and_prints_it(data_dir, capsys):
    result = fuzz_configs.main(['--replay', f'{SAMPLE[0]}:3',
                                '--data-dir', data_dir])
    case, = result['cases']
    printed = capsys.readouterr().out
    assert printed.startswith(f'{SAMPLE[0]}:3  {case["kind"]}  '
                              f'{case["outcome"]}')
    assert f'mutation: {case["description"]}' in printed
    assert case['outcome'] not in DEFECTS
