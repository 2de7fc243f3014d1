"""Train against val (``benchmark.py --budget ... --train-fit``): the
configs it scores, a real measurement, and what a fresh start and the run
archive do with its record."""
import json
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from benchmark_harness import ablation, run_archive, run_state, train_fit
from benchmark_harness.methods import BY_ID
from tests.test_tools.test_train_args import TINY_CONFIG

METHOD = BY_ID['crd.student-alone']


def tiny_cfg(coco_tiny_dir, work_dir=None):
    cfg = Config.fromfile(TINY_CONFIG)
    ann_file = osp.join(coco_tiny_dir, 'test_coco.json')
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.data_root = coco_tiny_dir
    cfg.val_evaluator = dict(type='CocoMetric', ann_file=ann_file)
    cfg.test_evaluator = [dict(type='CocoMetric', ann_file=ann_file),
                          dict(type='PCKAccuracy', thr=0.1,
                               norm_item='bbox')]
    if work_dir:
        cfg.work_dir = work_dir
    return cfg


def test_the_train_split_is_the_training_set_under_the_test_pipeline(
        coco_tiny_dir):
    cfg = tiny_cfg(coco_tiny_dir)
    train = train_fit.split_config(cfg, 'train', 3)
    dataset = train.test_dataloader.dataset
    assert dataset.ann_file == cfg.train_dataloader.dataset.ann_file
    assert dataset.pipeline == cfg.test_dataloader.dataset.pipeline
    assert not any(t['type'] == 'RandomFlip' for t in dataset.pipeline)
    assert dataset.test_mode is True and dataset.indices == 3
    assert [e.get('ann_file', 'absent') for e in train.test_evaluator] == [
        None, 'absent']
    val = train_fit.split_config(cfg, 'val', None)
    assert val.test_dataloader.dataset == dict(
        cfg.val_dataloader.dataset)
    assert cfg.test_evaluator[0].ann_file.endswith('test_coco.json')
    with pytest.raises(ValueError, match='split must be train or val'):
        train_fit.split_config(cfg, 'test', None)
    cfg.train_dataloader.dataset = dict(
        type='RepeatDataset', times=2, dataset=cfg.train_dataloader.dataset)
    with pytest.raises(ValueError, match='RepeatDataset: the train fit'):
        train_fit.split_config(cfg, 'train', None)


@pytest.mark.slow
def test_a_run_is_scored_on_its_training_set_and_on_val(coco_tiny_dir,
                                                        tmp_path, capsys):
    """coco_tiny trains and validates on the same images: scored with the
    test pipeline and ground truth from the dataset, train and val agree
    with each other and with the AP the run logged (from the ann file)."""
    work_dir = str(tmp_path / 'run')
    cfg = tiny_cfg(coco_tiny_dir, work_dir)
    cfg.train_cfg.max_epochs = 2
    # the config names its visualizer 'visualizer'; MMEngine hands a runner
    # an earlier runner's visualizer of that name, with its log dir
    cfg.visualizer.name = f'train_fit_{osp.basename(str(tmp_path))}'
    Runner.from_cfg(cfg).train()
    run = ablation.Run(METHOD, 0, TINY_CONFIG, work_dir, ())
    run_state.write_fingerprint(work_dir, dict(sha256='abc'))
    assert train_fit.measure_fits([run]) == []
    with open(osp.join(work_dir, train_fit.FIT)) as f:
        record = json.load(f)
    assert record['sha256'] == 'abc' and record['images'] is None
    assert record['checkpoint'] == 'epoch_2.pth'
    logged = [json.loads(line) for path in
              run_state.glob.glob(osp.join(work_dir, '*', 'vis_data',
                                           'scalars.json'))
              for line in open(path) if 'coco/AP' in line][-1]
    assert record['train']['coco/AP'] == pytest.approx(logged['coco/AP'])
    assert record['val']['coco/AP'] == pytest.approx(logged['coco/AP'])
    assert record['train']['PCK'] == pytest.approx(record['val']['PCK'])
    assert train_fit.fit_of(run)['train'] == record['train']
    capsys.readouterr()
    assert train_fit.measure_fits([run]) == []  # kept: nothing scored
    assert 'train fit' not in capsys.readouterr().out
    # another configuration's record is not this run's
    run_state.write_fingerprint(work_dir, dict(sha256='other'))
    assert train_fit.fit_of(run) is None


def test_a_failed_score_is_reported_and_the_others_go_on(tmp_path):
    runs = []
    for seed in (0, 1):
        work_dir = tmp_path / f'run{seed}'
        work_dir.mkdir()
        run_state.write_fingerprint(str(work_dir), dict(sha256='abc'))
        (work_dir / 'last_checkpoint').write_text(str(work_dir / 'e.pth'))
        runs.append(ablation.Run(METHOD, seed, TINY_CONFIG, str(work_dir),
                                 ()))
    lines = train_fit.measure_fits(runs)
    assert len(lines) == 2
    assert lines[0].startswith('[crd] regression student alone, seed 0: '
                               'train fit failed: ')
    assert 'holds no config dumped by its training' in lines[0]


def test_the_archive_keeps_the_record(tmp_path):
    work_dir = tmp_path / 'work' / 'run_seed0'
    (work_dir / '20260101_000000' / 'vis_data').mkdir(parents=True)
    (work_dir / '20260101_000000' / 'vis_data' / 'scalars.json').write_text(
        '{"coco/AP": 0.5, "step": 1}\n')
    record = run_state.fingerprint(
        osp.join(run_state.REPO_ROOT, METHOD.config), ())
    run_state.write_fingerprint(str(work_dir), record)
    fit = dict(sha256=record['sha256'], images=None, checkpoint='e.pth',
               train={'coco/AP': 0.7}, val={'coco/AP': 0.5})
    (work_dir / train_fit.FIT).write_text(json.dumps(fit))
    run = ablation.Run(METHOD, 0, osp.join(run_state.REPO_ROOT,
                                           METHOD.config), str(work_dir), ())
    root = str(tmp_path / 'archive')
    run_archive.archive_runs([run], root)
    restored = ablation.Run(METHOD, 0, run.config,
                            str(tmp_path / 'elsewhere' / 'run_seed0'), ())
    assert run_archive.restore_runs([restored], root) == [restored]
    assert train_fit.fit_of(restored)['train'] == {'coco/AP': 0.7}


def test_the_report_tabulates_train_against_val():
    from benchmark_harness.budget_markdown import fit_lines
    from benchmark_harness.budget_report import fit_summary
    summary = fit_summary({
        0: dict(train={'coco/AP': 0.30, 'PCK': 0.8},
                val={'coco/AP': 0.20, 'PCK': 0.7}),
        2: dict(train={'coco/AP': 0.40, 'PCK': 0.9},
                val={'coco/AP': 0.30, 'PCK': 0.8})})
    assert summary['seeds'] == [0, 2]
    assert summary['train_ap'] == pytest.approx(0.35)
    assert summary['val_pck'] == pytest.approx(0.75)
    lines = fit_lines([dict(method='OCD', fit=summary),
                       dict(method='TCD')])
    assert '| OCD | 0.3500 | 0.2500 | +0.1000 | 0.8500 | 0.7500 | 0, 2 |' \
        in lines
    assert not any('TCD' in line for line in lines)
    assert fit_lines([dict(method='TCD')]) == []


def test_train_fit_needs_a_budget_that_trains():
    from benchmark_harness import benchmark
    assert benchmark.parse_args(['--budget', '6', '--train-fit']).train_fit
    for argv in (['--train-fit'],
                 ['--budget', '6', '--train-fit', '--report-only']):
        with pytest.raises(SystemExit):
            benchmark.parse_args(argv)
