"""A run's state in its work dir under ``--reuse``: the fingerprint of its
resolved config, done / resume / afresh, refusal naming what differs, and
what a fresh start clears."""
import json
import os.path as osp

import pytest

from benchmark_harness import REPO_ROOT, run_state

CONFIG = osp.join(REPO_ROOT, 'configs', 'quickstart',
                  'td-reg_res18-w16_synthetic-128x96.py')
OPTIONS = ('randomness.seed=1', 'train_cfg.max_epochs=6')


def finished(work_dir, epochs=6, validated=True):
    logs = work_dir / '20260101_000000' / 'vis_data'
    logs.mkdir(parents=True)
    records = [dict(loss=1.0, time=0.1, epoch=1, step=10)]
    if validated:
        records.append({'coco/AP': 0.1, 'step': epochs})
    (logs / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))
    (work_dir / f'epoch_{epochs}.pth').write_text('')
    (work_dir / 'last_checkpoint').write_text(
        str(work_dir / f'epoch_{epochs}.pth'))


def test_the_fingerprint_is_the_resolved_config():
    record = run_state.fingerprint(CONFIG, OPTIONS)
    assert record['config'] == ('configs/quickstart/'
                                'td-reg_res18-w16_synthetic-128x96.py')
    assert record['resolved']['randomness']['seed'] == 1
    assert record['resolved']['train_cfg']['max_epochs'] == 6
    assert 'work_dir' not in record['resolved']
    assert run_state.fingerprint(CONFIG, OPTIONS)['sha256'] == \
        record['sha256']
    other = run_state.fingerprint(CONFIG, ('randomness.seed=2', ) +
                                  OPTIONS[1:])
    assert other['sha256'] != record['sha256']
    assert run_state.differences(record['resolved'], other['resolved']) == \
        ['randomness.seed: 1 -> 2']


def test_loader_workers_are_not_part_of_the_fingerprint():
    """How a run loads its data (set by --jobs) is not what it trains: a
    run resumed with another --jobs is reused, not refused."""
    record = run_state.fingerprint(CONFIG, OPTIONS)
    in_process = run_state.fingerprint(
        CONFIG, OPTIONS + ('train_dataloader.num_workers=0',
                           'train_dataloader.persistent_workers=False',
                           'val_dataloader.num_workers=1'))
    assert in_process['sha256'] == record['sha256']
    assert 'num_workers' not in record['resolved']['train_dataloader']
    assert record['resolved']['train_dataloader']['batch_size'] == 16
    bigger = run_state.fingerprint(
        CONFIG, OPTIONS + ('train_dataloader.batch_size=32', ))
    assert bigger['sha256'] != record['sha256']


def test_done_resume_fresh_and_refused(tmp_path, capsys):
    record = run_state.fingerprint(CONFIG, OPTIONS)
    state = run_state.state
    assert state(str(tmp_path), record, 'run') == run_state.FRESH
    run_state.write_fingerprint(str(tmp_path), record)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert state(str(tmp_path), record, 'run') == run_state.RESUME
    (tmp_path / 'last_checkpoint').unlink()
    finished(tmp_path)
    assert state(str(tmp_path), record, 'run') == run_state.DONE
    other = run_state.fingerprint(CONFIG, OPTIONS + (
        'optim_wrapper.optimizer.lr=0.005', 'model.test_cfg.extra=1'))
    with pytest.raises(run_state.ReuseMismatch, match=(
            r"^my run: .* was made with another configuration of configs/"
            r"quickstart/td-reg_res18-w16_synthetic-128x96.py \(model."
            r"test_cfg.extra: \(absent\) -> 1; optim_wrapper.optimizer.lr: "
            r"0.002 -> 0.005\)$")):
        state(str(tmp_path), other, 'my run')


def test_a_final_checkpoint_without_its_validation_is_resumed(
        tmp_path, capsys):
    """The resume validates it (ResumeValidationHook, tested with a real
    Runner in tests/test_engine); a restored run without that validation
    has no checkpoint and is trained afresh."""
    record = run_state.fingerprint(CONFIG, OPTIONS)
    run_state.write_fingerprint(str(tmp_path), record)
    finished(tmp_path, validated=False)
    assert run_state.state(str(tmp_path), record, 'run') == run_state.RESUME
    assert 'resumed to validate it' in capsys.readouterr().out
    for name in ('epoch_6.pth', 'last_checkpoint'):
        (tmp_path / name).unlink()
    (tmp_path / run_state.ARCHIVED).write_text('{}')
    assert run_state.state(str(tmp_path), record, 'run') == run_state.FRESH
    assert 'trained afresh' in capsys.readouterr().out


def test_work_dirs_from_before_fingerprints(tmp_path, capsys):
    record = run_state.fingerprint(CONFIG, OPTIONS)
    assert run_state.state(str(tmp_path), record, 'run') == run_state.FRESH
    finished(tmp_path)
    assert run_state.state(str(tmp_path), record, 'run') == run_state.DONE
    assert 'reused unchecked' in capsys.readouterr().out


def test_a_fresh_start_clears_the_earlier_attempt(tmp_path):
    finished(tmp_path)
    (tmp_path / 'best_coco_AP_epoch_6.pth').write_text('')
    (tmp_path / 'train_stdout.log').write_text('old')
    (tmp_path / 'not_a_stamp').mkdir()
    (tmp_path / run_state.FIT).write_text('{}')  # measured on epoch_6.pth
    (tmp_path / run_state.FIT_DIR / 'train').mkdir(parents=True)
    run_state.clear_attempt(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'not_a_stamp', 'train_stdout.log']
    run_state.clear_attempt(str(tmp_path / 'absent'))  # nothing to clear
