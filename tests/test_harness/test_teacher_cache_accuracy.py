"""Cached against live TCD over paired seeds: what is trained with which
options, and the paired difference reported. Training is replaced by a
stand-in writing what tools/train.py would (a final validation record)."""
import json
import os
import os.path as osp

import pytest

from benchmark_harness import teacher_cache_accuracy as accuracy


def test_both_recipes_per_seed_and_the_paired_difference(tmp_path,
                                                         monkeypatch,
                                                         capsys):
    trained = []

    def fake_execute(runs, epochs, reuse=False, flags=(), jobs=1):
        for run in runs:
            trained.append(run)
            seed = run.seed
            cached = run.method.id.endswith('cached-tcd')
            ap = 0.03 + 0.01 * seed + (0.002 * (seed - 1) if cached else 0)
            folder = osp.join(run.work_dir, 'run', 'vis_data')
            os.makedirs(folder)
            with open(osp.join(folder, 'scalars.json'), 'w') as f:
                f.write(json.dumps({'loss': 1.0, 'time': 0.1, 'step': 1})
                        + '\n')
                f.write(json.dumps({'coco/AP': ap, 'PCK': 0.5,
                                    'step': epochs}) + '\n')

    monkeypatch.setattr(accuracy, 'execute', fake_execute)
    monkeypatch.setattr(accuracy, 'ensure_cache',
                        lambda cache_dir, views, teacher: dict(reused=True))
    out = str(tmp_path / 'acc.json')
    result = accuracy.main(['--seeds', '0', '1', '2', '--epochs', '2',
                            '--work-dir', str(tmp_path / 'w'), '--out', out])

    assert len(trained) == 6
    cache_dir = accuracy.cache_dir_of(accuracy.CACHED)
    for run in trained:
        assert 'train_cfg.max_epochs=2' in run.options
        assert any(o.startswith('model.teacher_ckpt=') and
                   o.endswith('quickstart_teacher_fp16.pth')
                   for o in run.options)
        cached = run.method.config == accuracy.CACHED
        # the cached recipe reads the one cache, in its model and pipeline
        assert (f'model.teacher_cache.dir={cache_dir}' in run.options) == \
            cached
        assert any(o.endswith(f'.cache_dir={cache_dir}')
                   for o in run.options) == cached
    seeds = {m.id: sorted(r.seed for r in trained if r.method == m)
             for m in accuracy.METHODS}
    assert list(seeds.values()) == [[0, 1, 2], [0, 1, 2]]
    difference = result['cached_minus_live']['ap']
    assert difference['diffs'] == pytest.approx([-0.002, 0.0, 0.002])
    assert difference['low'] < 0 < difference['high']
    assert 'cached - live AP: +0.0000' in capsys.readouterr().out
    assert osp.isfile(out) and osp.isfile(out[:-5] + '.md')
    with pytest.raises(SystemExit):
        accuracy.main(['--seeds', '0'])
