"""Exported students load and predict in plain MMPose, without mmpose_kd.

A short real training (OCD model; TCD + IKD distiller) is exported from its
runner checkpoint with ``tools/export_student.py``'s logic, then loaded in a
fresh Python process that imports ``mmpose.apis`` and never ``mmpose_kd``.
"""
import json
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmpose_kd  # noqa: F401,I001  (first: the CPU shims)
from mmpose.apis import inference_topdown, init_model  # noqa: I001
from mmpose_kd.deploy.export_student import export_student
from mmpose_kd.engine.hooks import StudentCheckpointHook
from mmpose_kd.registry import MODELS
from tests.config_runs import CONFIGS_ROOT, REPO_ROOT, coco_tiny_config, train

OCD = 'crd/ocd_reg-res18-w16_synthetic-128x96.py'
TCD_IKD = 'crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
PLAIN_STUDENT = 'quickstart/td-reg_res18-w16_synthetic-128x96.py'
OCD_DOWNSIZED = 'crd/ocd_reg-res18-w16-downsized_synthetic-128x96.py'
IMAGE = '000000000785.jpg'

# Runs in a fresh interpreter: plain MMPose only. This CPU stack's mmcv-lite
# has no compiled ops (and torchvision may not import), which stock
# `import mmpose.apis` cannot survive; the two environment stand-ins are
# loaded from compat.py by file path - they are no-ops on a full stack and
# register nothing: no mmpose_kd module, type or registry is imported.
PLAIN_MMPOSE = '''
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location(
    'cpu_stack_standins', {compat!r})
standins = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standins)
standins.shim_mmcv_ext()
standins.shim_simcc_visualizer()
from mmpose.apis import inference_topdown, init_model
model = init_model({config!r}, {checkpoint!r}, device='cpu')
result = inference_topdown(model, {image!r})
assert 'mmpose_kd' not in sys.modules, 'mmpose_kd was imported'
print(json.dumps(dict(
    keypoints=result[0].pred_instances.keypoints.tolist(),
    num_params=sum(p.numel() for p in model.parameters()),
    keys=sorted(model.state_dict()))))
'''


def load_in_plain_mmpose(config, checkpoint, image):
    script = PLAIN_MMPOSE.format(
        compat=osp.join(REPO_ROOT, 'mmpose_kd', 'compat.py'),
        config=config, checkpoint=checkpoint, image=image)
    result = subprocess.run([sys.executable, '-c', script], cwd='/',
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def export_tool(*args):
    """Run ``tools/export_student.py`` as a user would."""
    return subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'export_student.py'),
         *args], cwd='/', capture_output=True, text=True, timeout=120)


def keypoints_in_process(model, cfg, dataset_meta, image):
    """Predict with a model of the training run, as MMPose's API would."""
    model.cfg = cfg
    model.dataset_meta = dataset_meta
    model.eval()
    return inference_topdown(model, image)[0].pred_instances.keypoints



def plain_matches_training(runner, student_cfg, ckpt, coco_tiny_dir):
    """Load the export in plain MMPose (another process) and check its
    keypoints on a coco_tiny image equal the trained model's in-process
    ones; return what the plain process reported."""
    image = osp.join(coco_tiny_dir, IMAGE)
    plain = load_in_plain_mmpose(student_cfg, ckpt, image)
    expected = keypoints_in_process(runner.model, runner.cfg,
                                    runner.train_dataloader.dataset.metainfo,
                                    image)
    np.testing.assert_allclose(plain['keypoints'], expected, atol=1e-4)
    return plain

def trained(config, data_dir, work_dir, **model_overrides):
    cfg = coco_tiny_config(config, data_dir, work_dir)
    cfg.model.update(model_overrides)
    runner = train(cfg)
    return runner, osp.join(work_dir, osp.basename(config))


@pytest.fixture(scope='module')
def ocd_run(coco_tiny_dir, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('ocd'))
    return trained(OCD, coco_tiny_dir, work_dir)


@pytest.fixture(scope='module')
def tcd_run(coco_tiny_dir, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('tcd'))
    return trained(TCD_IKD, coco_tiny_dir, work_dir, teacher_ckpt=None)


def test_exported_ocd_student_is_the_plain_regression_model(
        ocd_run, coco_tiny_dir, tmp_path):
    runner, config = ocd_run
    # The command line, on the config the runner dumped and its checkpoint.
    result = export_tool(config, osp.join(runner.work_dir, 'epoch_1.pth'),
                         '--out-dir', str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    ckpt = str(tmp_path / 'student.pth')
    student_cfg = str(tmp_path / 'student_config.py')
    assert ckpt in result.stdout and student_cfg in result.stdout
    plain = plain_matches_training(runner, student_cfg, ckpt, coco_tiny_dir)
    model = runner.model
    # No heatmap branch; exactly as many parameters as plain DeepPose.
    assert not any('heatmap' in k for k in plain['keys'])
    init_default_scope('mmpose')
    reference = MODELS.build(
        Config.fromfile(osp.join(CONFIGS_ROOT, PLAIN_STUDENT)).model)
    assert plain['num_params'] == sum(
        p.numel() for p in reference.parameters())
    assert plain['keys'] == sorted(reference.state_dict())
    # The weights are the training model's regression branch and backbone.
    state = torch.load(ckpt, weights_only=True)
    trained_state = model.state_dict()
    for key, value in state['state_dict'].items():
        source = key.replace('head.', 'head.regression.', 1)
        assert torch.equal(value, trained_state[source]), key
    # dataset_meta as plain lists; the training hook wrote the same student.
    assert isinstance(state['meta']['dataset_meta']['sigmas'], list)
    hook_state = torch.load(osp.join(runner.work_dir, 'student.pth'),
                            weights_only=True)['state_dict']
    assert hook_state.keys() == state['state_dict'].keys()
    assert all(torch.equal(hook_state[k], v)
               for k, v in state['state_dict'].items())
    # The exported recipe trains on plain regression targets.
    exported = Config.fromfile(student_cfg)
    assert 'custom_imports' not in exported
    encoder = exported.train_dataloader.dataset.pipeline[-2]['encoder']
    assert encoder['type'] == 'RegressionLabel'


def test_exported_tcd_student_drops_teacher_and_connector(
        tcd_run, coco_tiny_dir, tmp_path):
    runner, config = tcd_run
    assert np.isfinite(runner.message_hub.log_scalars[
        'train/distill.loss_feat'].data[0]).all()
    ckpt, student_cfg = export_student(
        config, osp.join(runner.work_dir, 'epoch_1.pth'), str(tmp_path))
    image = osp.join(coco_tiny_dir, IMAGE)
    plain = load_in_plain_mmpose(student_cfg, ckpt, image)

    student = runner.model.student
    expected = keypoints_in_process(student, runner.cfg,
                                    runner.train_dataloader.dataset.metainfo,
                                    image)
    np.testing.assert_allclose(plain['keypoints'], expected, atol=1e-4)
    assert plain['keys'] == sorted(student.state_dict())
    assert plain['num_params'] == sum(p.numel() for p in student.parameters())


def test_export_names_the_file_that_is_missing_or_does_not_fit(
        ocd_run, tcd_run, tmp_path):
    ocd_runner, ocd_config = ocd_run
    tcd_runner, tcd_config = tcd_run
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        export_student(ocd_config, missing, str(tmp_path))
    with pytest.raises(FileNotFoundError, match='nope.py'):
        export_student(str(tmp_path / 'nope.py'), missing, str(tmp_path))
    tcd_ckpt = osp.join(tcd_runner.work_dir, 'epoch_1.pth')
    ocd_ckpt = osp.join(ocd_runner.work_dir, 'epoch_1.pth')
    # A distiller checkpoint for the OCD config, and the other way round.
    with pytest.raises(ValueError, match=r'epoch_1\.pth.*does not match.*'
                       r'ocd_reg-res18-w16'):
        export_student(ocd_config, tcd_ckpt, str(tmp_path))
    with pytest.raises(ValueError, match="no 'student.' keys"):
        export_student(tcd_config, ocd_ckpt, str(tmp_path))
    # The plain student's own config does not fit the OCD weights either.
    with pytest.raises(ValueError, match='unexpected: .*head.regression'):
        export_student(
            osp.join(CONFIGS_ROOT, PLAIN_STUDENT), ocd_ckpt, str(tmp_path))
    assert not (tmp_path / 'student.pth').exists()
    # The command line reports it without a traceback.
    result = export_tool(ocd_config, tcd_ckpt, '--out-dir', str(tmp_path))
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    assert f'checkpoint {tcd_ckpt!r} does not match' in result.stderr


def test_non_strict_export_writes_weights_that_do_not_fit(ocd_run, tmp_path):
    ocd_runner, _ = ocd_run
    ocd_ckpt = osp.join(ocd_runner.work_dir, 'epoch_1.pth')
    plain_config = osp.join(CONFIGS_ROOT, PLAIN_STUDENT)
    result = export_tool(plain_config, ocd_ckpt, '--out-dir', str(tmp_path))
    assert result.returncode == 1
    assert 'unexpected: [head.regression' in result.stderr
    assert 'Pass --non-strict to export it anyway' in result.stderr
    result = export_tool(plain_config, ocd_ckpt, '--out-dir', str(tmp_path),
                         '--non-strict')
    assert result.returncode == 0, result.stderr[-3000:]
    written = torch.load(str(tmp_path / 'student.pth'))['state_dict']
    assert any(k.startswith('head.regression') for k in written)


def test_hook_exports_the_plain_student_of_a_distiller_with_an_ocd_head(
        tmp_path):
    """A distiller whose student is an OCD model (TCD + OCD together)."""
    init_default_scope('mmpose')
    cfg = Config.fromfile(osp.join(CONFIGS_ROOT, TCD_IKD))
    cfg.model.student = 'mmpose_kd::' + OCD
    cfg.model.teacher_ckpt = None
    cfg.model.distill_losses = dict(
        loss_heatmap=cfg.model.distill_losses.loss_heatmap)
    distiller = MODELS.build(cfg.model)
    metainfo = dict(dataset_name='coco', sigmas=np.ones(17) / 10)
    runner = SimpleNamespace(
        model=distiller, cfg=cfg, work_dir=str(tmp_path), epoch=1, iter=3,
        train_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(metainfo=metainfo)),
        logger=MMLogger.get_current_instance())
    StudentCheckpointHook().after_train(runner)

    state = torch.load(tmp_path / 'student.pth', weights_only=True)
    assert state['meta']['dataset_meta']['sigmas'] == [0.1] * 17
    model = init_model(str(tmp_path / 'student_config.py'),
                       str(tmp_path / 'student.pth'), device='cpu')
    assert type(model.head).__name__ == 'RegressionHead'
    assert torch.equal(model.head.fc.weight,
                       distiller.student.head.regression.fc.weight)
    student = distiller.student
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for p in student.parameters()) - sum(
            p.numel() for p in student.head.heatmap.parameters())


def test_downsized_ocd_student_exports_to_plain_mmpose(coco_tiny_dir,
                                                       tmp_path):
    """The downsized head is MMPose's IntegralRegressionHead: the exported
    model loads and predicts without mmpose_kd, as trained."""
    runner, config = trained(OCD_DOWNSIZED, coco_tiny_dir,
                             str(tmp_path / 'run'))
    ckpt, student_cfg = export_student(
        config, osp.join(runner.work_dir, 'epoch_1.pth'),
        str(tmp_path / 'out'))
    exported = Config.fromfile(student_cfg)
    assert 'custom_imports' not in exported
    assert exported.model.head.type == 'IntegralRegressionHead'
    assert exported.model.head.deconv_out_channels == (16, )
    plain = plain_matches_training(runner, student_cfg, ckpt, coco_tiny_dir)
    model = runner.model
    assert not any('heatmap.' in k for k in plain['keys'])
    assert plain['num_params'] == sum(
        p.numel() for p in model.parameters()) - sum(
            p.numel() for p in model.head.heatmap.parameters())
