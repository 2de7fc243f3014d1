"""The main-job and ablation drivers: config lists, log parsing, tables."""
import json
import os
import os.path as osp

import pytest

from benchmark_harness import ablation, quickstart


def test_every_listed_recipe_exists_and_distillers_are_recognised():
    for group, rows in ablation.GROUPS.items():
        for _, config in rows:
            path = osp.join(quickstart.REPO_ROOT, config)
            assert osp.isfile(path), path
    root = quickstart.REPO_ROOT
    assert ablation.teacher_ckpt_option(osp.join(
        root, 'configs/quickstart', quickstart.DISTILLED),
        'T.pth') == 'model.teacher_ckpt=T.pth'
    assert ablation.teacher_ckpt_option(osp.join(
        root, 'configs/quickstart', quickstart.STUDENT), 'T.pth') is None
    assert ablation.teacher_ckpt_option(osp.join(
        root, 'configs/benchmark',
        'dwpose_simcc-res18-w32_simcc-res18-w16_synthetic-128x96.py'),
        'T.pth') == 'model.teacher_pretrained=T.pth'  # MMPose's own key
    for name in (quickstart.TEACHER, quickstart.STUDENT,
                 quickstart.DISTILLED):
        assert osp.isfile(osp.join(root, quickstart.QUICKSTART, name))


def test_last_metrics_reads_the_final_validation(tmp_path):
    run = tmp_path / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    records = [dict(loss=1.0, step=1),
               {'coco/AP': 0.1, 'coco/AP .5': 0.3, 'coco/AR': 0.2, 'step': 5},
               dict(loss=0.5, step=6),
               {'coco/AP': 0.4, 'coco/AP .5': 0.6, 'coco/AR': 0.5,
                'step': 10}]
    (run / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in records) + '\n')
    assert quickstart.last_metrics(str(tmp_path)) == {
        'coco/AP': 0.4, 'coco/AP .5': 0.6, 'coco/AR': 0.5}


def test_missing_logs_and_checkpoints_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='no scalars.json'):
        quickstart.last_metrics(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='last_checkpoint'):
        quickstart.last_checkpoint(str(tmp_path))
    (tmp_path / 'last_checkpoint').write_text(
        os.path.join(str(tmp_path), 'epoch_3.pth') + '\n')
    assert quickstart.last_checkpoint(str(tmp_path)).endswith('epoch_3.pth')


def test_tables_show_mean_and_spread():
    table = ablation.format_table([dict(
        method='TCD', params=706482, aps=[0.2, 0.3], mean=0.25,
        spread=0.05, pck_mean=0.6, pck_spread=0.1)])
    assert ('| TCD | 0.706 | 0.2500 | 0.0500 | 0.2000, 0.3000 | 0.6000 | '
            '0.1000 |') in table
    row = dict(model='teacher', params=3_127_921, seconds=12.3,
               **{'coco/AP': 0.5, 'coco/AP .5': 0.9, 'coco/AR': 0.6,
                  'PCK': 0.7})
    assert '| teacher | - | 3.13 | 0.5000 | 0.9000 | 0.6000 | 0.7000 | 12 |' \
        in quickstart.format_table([row])


def _row(kind, seed, ap, pck):
    config = quickstart.DISTILLED if kind == 'distilled' else \
        quickstart.STUDENT
    return dict(model=kind, seed=seed, params=1, seconds=1.0,
                config=f'configs/quickstart/{config}',
                **{'coco/AP': ap, 'coco/AP .5': ap, 'coco/AR': ap,
                   'PCK': pck})


def test_paired_gains_compare_each_seed_with_itself():
    rows = [_row('alone', 0, 0.10, 0.5), _row('distilled', 0, 0.30, 0.7),
            _row('alone', 1, 0.20, 0.6), _row('distilled', 1, 0.15, 0.8)]
    gains = quickstart.paired_gains(rows)
    assert gains['coco/AP'] == pytest.approx([0.20, -0.05])
    assert gains['PCK'] == pytest.approx([0.2, 0.2])
    text = quickstart.format_gains(rows)
    assert 'coco/AP: gain per seed +0.2000, -0.0500; distilled better on ' \
        'every seed: NO' in text
    assert 'PCK: gain per seed +0.2000, +0.2000; distilled better on every ' \
        'seed: yes' in text


def test_the_shipped_teacher_matches_its_manifest():
    from benchmark_harness.shipped_teacher import SHIPPED_TEACHER, \
        verified_teacher
    path = osp.join(quickstart.REPO_ROOT, SHIPPED_TEACHER)
    assert verified_teacher(path) == path


def test_train_teacher_trains_the_default_config_and_packs_it(
        tmp_path, monkeypatch):
    import torch

    from benchmark_harness.shipped_teacher import verified_teacher
    calls = []

    def fake_train(config, work_dir, options, flags=()):
        calls.append((config, options))
        run = osp.join(work_dir, '20260101_000000', 'vis_data')
        os.makedirs(run)
        with open(osp.join(run, 'scalars.json'), 'w') as f:
            f.write(json.dumps({'coco/AP': 0.7, 'PCK': 0.9, 'step': 24}))
        ckpt = osp.join(work_dir, 'epoch_24.pth')
        torch.save(dict(state_dict={'w': torch.ones(2)}), ckpt)
        with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
            f.write(ckpt)
        return 60.0

    monkeypatch.setattr(quickstart, 'train', fake_train)
    out = str(tmp_path / 'teacher_fp16.pth')
    manifest = quickstart.train_teacher(str(tmp_path / 'work'), out)
    assert calls == [(osp.join(quickstart.REPO_ROOT, quickstart.QUICKSTART,
                               quickstart.TEACHER), [])]
    assert manifest['config'].endswith(quickstart.TEACHER)
    assert manifest['val'] == {'coco/AP': 0.7, 'PCK': 0.9}
    assert manifest['trained'] == {'wall_minutes': 1.0}
    assert verified_teacher(out) == out
    assert torch.load(out, weights_only=True)['state_dict']['w'].dtype == \
        torch.float16


def test_main_job_trains_each_seeds_pair_in_parallel_jobs(tmp_path,
                                                          monkeypatch):
    import threading
    calls = []
    # the first two trainings wait for each other, as real ones run side by
    # side: otherwise a job that ends at once takes the third task before
    # the other job has recorded the second
    both_started = threading.Barrier(2, timeout=30)

    def fake_train(config, work_dir, options, flags=(), threads=None):
        calls.append((osp.basename(config), tuple(options), threads))
        if len(calls) <= 2:
            both_started.wait()
        seed = int(work_dir[-1])
        ap = 0.1 + seed / 100 if 'tcd' in osp.basename(config) else 0.01
        run = osp.join(work_dir, '20260101_000000', 'vis_data')
        os.makedirs(run)
        with open(osp.join(run, 'scalars.json'), 'w') as f:
            f.write(json.dumps({'coco/AP': ap, 'coco/AP .5': ap,
                                'coco/AR': ap, 'PCK': 0.5, 'step': 2}))
        return 10.0

    real_epoch_options = quickstart.epoch_options
    parsed_in = set()

    def recording_epoch_options(config, epochs):
        # MMEngine's config parsing is not thread-safe: main thread only
        parsed_in.add(threading.current_thread() is threading.main_thread())
        return real_epoch_options(config, epochs)

    monkeypatch.setattr(quickstart, 'epoch_options', recording_epoch_options)
    monkeypatch.setattr(quickstart, 'train', fake_train)
    monkeypatch.setattr(quickstart, 'evaluate',
                        lambda *args: {'coco/AP': 0.69, 'PCK': 0.92})
    monkeypatch.setattr(quickstart, 'count_params', lambda config: 1000)
    monkeypatch.setattr('benchmark_harness.shipped_teacher.verified_teacher',
                        lambda path: path)
    monkeypatch.setattr(quickstart.os, 'cpu_count', lambda: 2)
    rows = quickstart.run(str(tmp_path), 2, [0, 1], jobs=2)

    assert len(calls) == 4
    assert parsed_in == {True}
    # the longer, distilled runs are started first
    assert [c[0].startswith('tcd') for c in calls[:2]] == [True, True]
    assert {threads for _, _, threads in calls} == {1}
    for config, options, _ in calls:
        # one thread each: the data loads in the training's own process
        assert 'train_dataloader.num_workers=0' in options
        assert 'train_dataloader.persistent_workers=False' in options
        assert 'train_cfg.max_epochs=2' in options
    # rows in seed order, alone before distilled, whatever finished first
    assert [(row['seed'], row['config'].endswith(quickstart.DISTILLED))
            for row in rows[1:]] == [(0, False), (0, True), (1, False),
                                     (1, True)]
    assert quickstart.paired_gains(rows)['coco/AP'] == pytest.approx(
        [0.09, 0.10])


def test_loader_workers_only_where_a_training_has_cores_to_spare():
    assert quickstart.loader_options(1) == [
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False']
    assert quickstart.loader_options(None) == []  # the whole machine
    assert quickstart.loader_options(8) == []  # e.g. 2 jobs on 16 cores
