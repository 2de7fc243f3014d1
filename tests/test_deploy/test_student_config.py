"""The exported student config names no plugin type anywhere, so plain MMPose
(its Runner too, not only ``init_model``) runs it without ``mmpose_kd``."""
import json
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmpose_kd  # noqa: F401  (registers the plugin types)
from mmpose_kd.deploy import save_plain_student
from mmpose_kd.deploy.student_config import plain_student_config
from mmpose_kd.model_parts.model_config import resolve_model_cfg
from mmpose_kd.registry import MODELS
from tests.config_runs import CONFIGS_ROOT, REPO_ROOT

TCD = 'quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py'
PLAIN_MODEL = dict(type='TopdownPoseEstimator', backbone=dict(type='ResNet',
                                                              depth=18))


def strings_in(value):
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings_in(v)]]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings_in(v)]
    return [value] if isinstance(value, str) else []


def test_plugin_types_anywhere_become_mmpose_types_or_go():
    cfg = Config(dict(
        custom_imports=dict(imports=['mmpose_kd', 'my_module']),
        dataset_type='mmpose_kd.SyntheticCocoDataset',
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=5),
            checkpoint=dict(type='mmpose_kd.SafeCheckpointHook', interval=2,
                            max_keep_ckpts=1)),
        custom_hooks=[
            dict(type='mmpose_kd.StudentCheckpointHook'),
            dict(type='EMAHook'),
        ],
        extra=dict(nested=[
            dict(type='DistillLossWeightHook', schedules={}),  # plain name
            'mmpose_kd::quickstart/td-hm_res18-w32_synthetic-128x96.py',
            ('keep', 1),
        ]),
        val_dataloader=dict(dataset=dict(
            type='mmpose_kd.SyntheticCocoDataset', data_root='d/',
            split='val', generate=dict(num_images=3), test_mode=True)),
        teacher_ckpt='t.pth'))
    plain = plain_student_config(cfg, PLAIN_MODEL).to_dict()
    assert not [s for s in strings_in(plain) if 'mmpose_kd' in s]
    assert plain['custom_imports'] == dict(imports=['my_module'])
    assert plain['dataset_type'] == 'CocoDataset'
    # SafeCheckpointHook takes CheckpointHook's arguments: kept as they are
    assert plain['default_hooks']['checkpoint'] == dict(
        type='CheckpointHook', interval=2, max_keep_ckpts=1)
    assert plain['default_hooks']['logger'] == dict(type='LoggerHook',
                                                    interval=5)
    assert plain['custom_hooks'] == [dict(type='EMAHook')]
    assert plain['extra'] == dict(nested=[('keep', 1)])
    # the generated data as CocoDataset on the files it wrote
    for loader in ('val_dataloader', 'test_dataloader'):
        assert plain[loader]['dataset'] == dict(
            type='CocoDataset', data_root='d/',
            ann_file='annotations/person_keypoints_val.json',
            data_prefix=dict(img='images/val/'), test_mode=True)
    assert plain['model'] == PLAIN_MODEL and 'teacher_ckpt' not in plain


# A fresh interpreter in which `import mmpose_kd` raises. The two stand-ins
# this CPU stack needs (no mmcv ops, no torchvision) come from compat.py by
# file path; they register nothing of the plugin.
PLAIN_RUNNER = '''
import importlib.util, json, sys

class NoPlugin:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'mmpose_kd':
            raise ImportError('mmpose_kd is not installed here')

sys.meta_path.insert(0, NoPlugin())
spec = importlib.util.spec_from_file_location('standins', {compat!r})
standins = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standins)
standins.shim_mmcv_ext()
standins.shim_simcc_visualizer()
from mmengine.config import Config
from mmengine.runner import Runner
cfg = Config.fromfile({config!r})
# data location only: the tiny COCO set instead of the generated one
cfg.test_dataloader.dataset.update(
    data_root={data!r}, ann_file='test_coco.json', data_prefix=dict(img=''))
cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
cfg.test_evaluator = dict(type='CocoMetric',
                          ann_file={data!r} + '/test_coco.json')
cfg.work_dir = {work_dir!r}
cfg.load_from = {checkpoint!r}
metrics = Runner.from_cfg(cfg).test()
try:
    import mmpose_kd
except ImportError:
    pass
else:
    raise AssertionError('mmpose_kd was importable')
print(json.dumps({{k: float(v) for k, v in metrics.items()}}))
'''


def test_plain_mmpose_runner_tests_an_exported_recipe_student(
        coco_tiny_dir, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS_ROOT, TCD))
    student_cfg = resolve_model_cfg(cfg.model.student, 'model.student')
    with DefaultScope.overwrite_default_scope('mmpose'):
        student = MODELS.build(student_cfg.to_dict())
    ckpt, config = save_plain_student(
        str(tmp_path / 'export'), cfg, student_cfg, student.state_dict(),
        check=True)
    text = open(config).read()
    assert 'mmpose_kd' not in text and "type='CheckpointHook'" in text
    result = subprocess.run([
        sys.executable, '-c',
        PLAIN_RUNNER.format(
            compat=osp.join(REPO_ROOT, 'mmpose_kd', 'compat.py'),
            config=config, checkpoint=ckpt, data=coco_tiny_dir,
            work_dir=str(tmp_path / 'work'))
    ], cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    assert 'Load checkpoint from' in result.stderr + result.stdout
    assert torch.load(ckpt)['state_dict'].keys() == student.state_dict(
    ).keys()


def test_cpu_bf16_optim_wrapper_becomes_mmengines_optim_wrapper():
    from mmengine.config import Config as MMConfig

    from mmpose_kd.deploy.student_config import plain_student_config
    cfg = MMConfig(dict(
        model=dict(type='TopdownPoseEstimator'),
        optim_wrapper=dict(type='mmpose_kd.CPUAmpOptimWrapper',
                           on_unsupported='float32', channels_last=True,
                           optimizer=dict(type='Adam', lr=2e-3)),
        custom_hooks=[dict(type='mmpose_kd.ChannelsLastHook')]))
    plain = plain_student_config(cfg, dict(type='TopdownPoseEstimator'))
    assert plain.optim_wrapper == dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-3))
    assert plain.custom_hooks == []
