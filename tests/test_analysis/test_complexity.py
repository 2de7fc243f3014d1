"""tools/analysis/complexity.py: params, FLOPs, student/teacher ratio."""
import logging
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401
from mmpose.registry import MODELS
from mmpose_kd.analysis.complexity import (EXPORTED_ROW, RATIO_ROW,
                                           build_model, count_flops,
                                           flop_counts, input_shape)
from mmpose_kd.cli.complexity import main
from mmpose_kd.models.distillers.pose_distiller import RANDOM_TEACHER_WARNING
from tests.config_runs import CONFIGS_ROOT, REPO_ROOT

IKD = osp.join(CONFIGS_ROOT, 'ikd',
               'ikd-integral_hm-res18-w32_hm-res18-w18_synthetic-128x96.py')
TEACHER = osp.join(CONFIGS_ROOT, 'quickstart',
                   'td-hm_res18-w32_synthetic-128x96.py')
STUDENT = osp.join(CONFIGS_ROOT, 'ikd', 'td-hm_res18-w18_synthetic-128x96.py')


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_plain(config):
    init_default_scope('mmpose')
    return MODELS.build(Config.fromfile(config).model).eval()


def num_params(model):
    return sum(p.numel() for p in model.parameters())


def table_row(output, name):
    """Cells of the Markdown table row ``name``."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if cells[0] == name:
            return cells[1:]
    raise AssertionError(f'no row {name!r} in:\n{output}')


def test_cli_prints_the_ikd_pair_ratio_of_the_separately_built_models():
    result = subprocess.run([
        sys.executable,
        osp.join('tools', 'analysis', 'complexity.py'), IKD, '--runs', '1',
        '--warmup', '0', '--threads', '1'
    ],
                            cwd=REPO_ROOT,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    output = result.stdout
    assert 'input shape: (3, 128, 96)' in output

    teacher, student = build_plain(TEACHER), build_plain(STUDENT)
    expected = num_params(student) / num_params(teacher)
    params_ratio, flops_ratio = table_row(output, RATIO_ROW)[:2]
    assert float(params_ratio) == pytest.approx(expected, abs=5e-5)
    # the pair is built for the paper's ~35% budget
    assert 0.30 < float(params_ratio) < 0.40
    assert 0.30 < float(flops_ratio) < 0.40
    assert float(table_row(output, 'teacher')[0]) == pytest.approx(
        num_params(teacher) / 1e6, abs=5e-4)
    assert float(table_row(output, 'student')[1]) == pytest.approx(
        count_flops(student, (3, 128, 96)) / 1e9, abs=5e-5)


def test_flops_scale_with_the_input_area_and_shape_flag(capsys):
    rows = main([STUDENT, '--runs', '0', '--shape', '256', '192'])
    assert 'input shape: (3, 256, 192)' in capsys.readouterr().out
    assert [row['name'] for row in rows] == ['model', EXPORTED_ROW]
    assert rows[1]['params'] == rows[0]['params']  # a plain model ships as is
    small = count_flops(build_plain(STUDENT), (3, 128, 96))
    # a fully convolutional model: 4x the pixels, 4x the multiply-adds
    assert rows[0]['flops'] == 4 * small
    assert rows[0]['latency_ms'] is None


def test_teacher_checkpoint_is_not_loaded_unless_asked(tmp_path, capsys):
    missing = str(tmp_path / 'no_such_teacher.pth')
    rows = main([
        IKD, '--runs', '1', '--warmup', '0', '--cfg-options',
        f'model.teacher_ckpt={missing}'
    ])
    assert [row['name'] for row in rows] == [
        'teacher', 'student', EXPORTED_ROW, RATIO_ROW]
    assert rows[3]['params'] == pytest.approx(rows[2]['params'] /
                                              rows[0]['params'])
    assert rows[2]['params'] == rows[1]['params']
    assert rows[1]['latency_ms'] > 0
    with pytest.raises(FileNotFoundError, match='no_such_teacher'):
        main([
            IKD, '--runs', '0', '--load', '--cfg-options',
            f'model.teacher_ckpt={missing}'
        ])


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_counting_does_not_warn_of_a_random_teacher():
    logger = MMLogger.get_current_instance()
    filters = list(logger.filters)
    records = _Records()
    logger.addHandler(records)
    try:
        cfg = Config.fromfile(IKD)
        cfg.model.teacher_ckpt = None
        init_default_scope('mmpose')
        MODELS.build(cfg.model)   # a user's distiller: warned
        warned = list(records.messages)
        records.messages.clear()
        build_model(Config.fromfile(IKD))   # counted without weights: not
        counted = list(records.messages)
    finally:
        logger.removeHandler(records)
    assert any(m.startswith(RANDOM_TEACHER_WARNING) for m in warned)
    assert not any(m.startswith(RANDOM_TEACHER_WARNING) for m in counted)
    assert logger.filters == filters   # the filter goes with the build


def test_ocd_exported_student_is_the_plain_regression_model(capsys):
    rows = main([osp.join(REPO_ROOT, 'configs', 'crd',
                          'ocd_reg-res18-w16_synthetic-128x96.py'),
                 '--runs', '0'])
    assert [row['name'] for row in rows] == ['model', EXPORTED_ROW]
    plain = build_plain(osp.join(REPO_ROOT, 'configs', 'quickstart',
                                 'td-reg_res18-w16_synthetic-128x96.py'))
    assert rows[1]['params'] == num_params(plain) < rows[0]['params']


def test_head_figures_are_the_heads_share(capsys):
    """Head params/FLOPs: DeepPose's FC exactly; an OCD model's heatmap
    branch counts in its params but not in the deployed head's."""
    plain = build_plain(osp.join(REPO_ROOT, 'configs', 'quickstart',
                                 'td-reg_res18-w16_synthetic-128x96.py'))
    total, head = flop_counts(plain, (3, 128, 96))
    assert head == 128 * 2 * 17  # one FC, 128 -> 2K, multiply-adds
    assert 0 < head < total == count_flops(plain, (3, 128, 96))

    rows = main([osp.join(REPO_ROOT, 'configs', 'crd',
                          'ocd_reg-res18-w16_synthetic-128x96.py'),
                 '--runs', '0'])
    trained, deployed = rows
    assert deployed['head_params'] == num_params(plain.head) == 4386
    assert trained['head_params'] > deployed['head_params']
    assert deployed['head_flops'] == head
    # The OCD head also pools (its `regression_neck`, the plain model's
    # neck): one add per input element; its heatmap branch does not run.
    assert trained['head_flops'] == head + 128 * 8 * 6
    output = capsys.readouterr().out
    assert '| head params (M) | head FLOPs (M) |' in output
    assert table_row(output, EXPORTED_ROW)[3:] == ['0.0044', '0.004']


def test_input_shape_comes_from_the_codec_or_pipeline():
    cfg = Config.fromfile(STUDENT)
    assert input_shape(cfg, build_plain(STUDENT)) == (3, 128, 96)
    # without a head codec: the config's codec, then a TopdownAffine
    assert input_shape(cfg, torch.nn.Linear(1, 1)) == (3, 128, 96)
    cfg.pop('codec')
    assert input_shape(cfg, torch.nn.Linear(1, 1)) == (3, 128, 96)
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].dataset.pipeline = []
    with pytest.raises(ValueError, match='--shape'):
        input_shape(cfg, torch.nn.Linear(1, 1))
