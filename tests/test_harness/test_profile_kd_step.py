"""The KD-step profile: operators a distillation step adds over its parts."""
import pytest

from benchmark_harness.profile_kd_step import excess_ops, format_excess, main


def test_excess_ops_subtracts_both_parts_and_sorts():
    kd = {'conv': 0.50, 'mse': 0.02, 'bn': 0.10}
    student = {'conv': 0.30, 'bn': 0.06}
    teacher = {'conv': 0.15, 'bn': 0.05}
    rows = excess_ops(kd, [student, teacher])
    assert [row['op'] for row in rows] == ['conv', 'mse', 'bn']
    assert rows[0]['excess_s'] == pytest.approx(0.05)
    assert rows[1]['parts_s'] == 0.0
    assert rows[2]['excess_s'] == pytest.approx(-0.01)
    table = format_excess(rows, dict(ours=0.62, student=0.36,
                                     teacher_fwd=0.2), 'ours')
    assert 'profiled ratio 1.107' in table
    assert '| conv | 500.0 | 450.0 | +50.0 | +8.93% |' in table


def test_command_finds_the_feature_loss_only_in_the_kd_step(tmp_path):
    out = tmp_path / 'profile.md'
    result = main(['--width', '48', '--height', '64', '--batch', '2',
                   '--steps', '1', '--top', '1000', '--out', str(out)])
    assert set(result['totals']) == {'student', 'teacher_fwd', 'ours'}
    by_op = {row['op']: row for row in result['rows']}
    # the feature term's MSE runs in the KD step and in neither part
    assert by_op['aten::mse_loss']['parts_s'] == 0.0
    assert by_op['aten::mse_loss']['kd_s'] > 0.0
    assert 'excess / reference' in out.read_text()
