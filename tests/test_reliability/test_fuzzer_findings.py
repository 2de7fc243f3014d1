"""What the config fuzzer found, one named case each (beside the catalogue).

``tools/analysis/fuzz_configs.py`` mutates the shipped configs; each entry
here is one defect it reported - a mistake that trained silently or
stopped with an error naming nothing - rebuilt on the catalogue's tiny
distiller (or a tiny plain model) on coco_tiny. Each must now stop before
the first optimizer step with an error naming the field or file.
"""
import copy
import re

import pytest
import torch

import mmpose_kd  # noqa: F401
from tests.test_reliability.test_bad_config_catalogue import (
    assert_refused_before_training, base_model)
from tests.tiny_models import (HEATMAP_CODEC, REGRESSION_CODEC,
                               coco_tiny_runner_cfg, heatmap_model,
                               regression_model)

DROP = object()
_PART = re.compile(r'([^.\[\]]+)|\[(\d+)\]')


def _parts(path):
    return [int(i) if i else k for k, i in _PART.findall(path)]


def edit(path, value):
    """Set the runner config's entry at ``path`` (``a.b[2].c``) to
    ``value`` (called with tmp_path if callable; DROP removes it)."""
    def apply(cfg, tmp_path):
        *parents, leaf = _parts(path)
        node = cfg
        for key in parents:
            node = node[key]
        resolved = value(tmp_path) if callable(value) else value
        if resolved is DROP:
            del node[leaf]
        else:
            node[leaf] = resolved
    return apply


def rename(path, new_key):
    """Misspell the key at ``path`` as ``new_key``, keeping its value."""
    def apply(cfg, tmp_path):
        *parents, leaf = _parts(path)
        node = cfg
        for key in parents:
            node = node[key]
        node[new_key] = node.pop(leaf)
    return apply


def unshared(cfg):
    """``cfg`` with no dict shared between entries (the tiny runner config's
    loaders share their dataset's ``data_prefix``)."""
    return {key: copy.deepcopy(value) for key, value in cfg.items()}


def schedule(**args):
    """A DistillLossWeightHook on the logit loss with ``args``."""
    def apply(cfg, tmp_path):
        cfg['custom_hooks'] = [dict(
            type='mmpose_kd.DistillLossWeightHook',
            schedules={'distill_losses.loss_logit': dict(type='linear',
                                                         **args)})]
    return apply


def _empty_folder(tmp_path):
    folder = tmp_path / 'no_images'
    folder.mkdir()
    return str(folder)


def _file(tmp_path, name, content=b'not a metainfo file'):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def plain(model, codec=HEATMAP_CODEC):
    """Findings on a plain (student-only) model instead of the distiller."""
    return dict(model=model, codec=codec)


TRAIN_PIPELINE = 'train_dataloader.dataset.pipeline'
FINDINGS = [
    # the distiller
    ('teacher_ckpt left out: a random teacher was distilled in silence',
     edit('model.teacher_ckpt', DROP), TypeError, r"'teacher_ckpt'"),
    ('model.type misspelt: MMEngine\'s KeyError printed the whole config',
     rename('model.type', 'tpye'), KeyError,
     r'`model.type` is missing.*is `model.tpye` a misspelling of it\?'),
    ('the teacher\'s type left out',
     lambda cfg, tmp_path: cfg['model']['teacher'].pop('type'), KeyError,
     r'`model.teacher.type` is missing'),
    ('teacher_ckpt a JSON file: torch blamed weights_only and suggested '
     'switching it off',
     edit('model.teacher_ckpt', lambda tmp_path: str(_file(
         tmp_path, 'annotations.json', b'{"images": []}'))),
     RuntimeError, r'`teacher_ckpt`: .*annotations.json.* is not a PyTorch '
     r'checkpoint \(it looks like JSON or other text\)'),
    ('teacher_ckpt an image',
     edit('model.teacher_ckpt', lambda tmp_path: str(_file(
         tmp_path, 'person.jpg', b'\xff\xd8\xff\xe0\x00\x10JFIF'))),
     RuntimeError, r'person.jpg.* is not a PyTorch checkpoint \(it looks '
     r'like a JPEG image\)'),
    ('misspelt connector argument: the nearest name is suggested',
     rename('model.distill_losses.loss_feat.connector.in_channels',
            'in_chanels'),
     TypeError, r"ConvBNConnector: unknown argument `in_chanels`; nearest "
     r"valid names: 'in_channels'"),
    ('an MMPose loss as a distillation loss failed at the first step',
     edit('model.distill_losses.loss_logit.type', 'KeypointMSELoss'),
     TypeError, r'distill_losses.loss_logit.*KeypointMSELoss.*not a '
     r'distillation loss'),
    # the weight schedule
    ('negative schedule factor trained',
     schedule(start_factor=-1.0), ValueError, r'start_factor.*-1'),
    ('schedule end given as a string failed in the first step',
     schedule(end='0.2'), TypeError, r'`end`.*0.2'),
    ('fraction of the run given without by_fraction rounded to no ramp',
     schedule(end=0.2), ValueError, r'whole numbers.*by_fraction=True'),
    ('warm-up longer than the run trained without reaching its weight',
     schedule(end=1000), ValueError, r'`end`=1000 ends after the run'),
    # the run and the loaders
    ('zero epochs trained nothing without a word',
     edit('train_cfg.max_epochs', 0), ValueError, r'train_cfg.max_epochs'),
    ('num_workers as a string',
     edit('train_dataloader.num_workers', '0'), TypeError,
     r'train_dataloader.num_workers'),
    ('num_workers=0 beside persistent_workers=True: torch refused it '
     'naming no loader',
     lambda cfg, tmp_path: cfg['train_dataloader'].update(
         num_workers=0, persistent_workers=True), ValueError,
     r'`train_dataloader.persistent_workers=True` needs worker processes.*'
     r'`train_dataloader.num_workers` is 0'),
    ('batch_size None',
     edit('train_dataloader.batch_size', None), TypeError,
     r'train_dataloader.batch_size'),
    ('validation dataset left out',
     edit('val_dataloader.dataset', DROP), TypeError,
     r'val_dataloader.dataset'),
    ('a dataset argument its class does not take: Python named neither '
     'the loader nor the valid names',
     edit('val_dataloader.dataset.split', 'train'), TypeError,
     r"`val_dataloader.dataset` \(CocoDataset\): unknown argument `split`;"
     r".*It takes ann_file, bbox_file"),
    ('dataset type misspelt: the message did not say which key was meant',
     lambda cfg, tmp_path: cfg['val_dataloader']['dataset'].update(
         tpye=cfg['val_dataloader']['dataset'].pop('type')), TypeError,
     r'`val_dataloader.dataset` must be a dict with a `type`.*; is '
     r'`val_dataloader.dataset.tpye` a misspelling of it\?'),
    ('data_prefix a list',
     edit('train_dataloader.dataset.data_prefix', [dict(img='')]),
     TypeError, r'train_dataloader.dataset.data_prefix'),
    ('data_prefix.img a number',
     edit('val_dataloader.dataset.data_prefix.img', 1), TypeError,
     r'val_dataloader.dataset.data_prefix.img'),
    ('data_root a number',
     edit('val_dataloader.dataset.data_root', 1), TypeError,
     r'val_dataloader.dataset.data_root'),
    ('ann_file None',
     edit('train_dataloader.dataset.ann_file', None), TypeError,
     r'train_dataloader.dataset.ann_file'),
    ('pipeline step that is no transform',
     edit(f'{TRAIN_PIPELINE}[1]', None), TypeError,
     r'train_dataloader.dataset.pipeline\[1\]'),
    ('pipeline left out: raw annotation dicts were batched',
     edit(TRAIN_PIPELINE, DROP), TypeError,
     r'train_dataloader.dataset.pipeline` is missing'),
    ('pipeline given as a dict',
     edit(TRAIN_PIPELINE, {'0': dict(type='LoadImage')}), TypeError,
     r'train_dataloader.dataset.pipeline'),
    ('validation images not where data_prefix.img says: found only at '
     'the first validation', edit('val_dataloader.dataset.data_prefix.img',
                                  '/nonexistent/images'),
     FileNotFoundError, r'/nonexistent/images/.*data_prefix.img'),
    ('validation image folder without the images',
     edit('val_dataloader.dataset.data_prefix.img', _empty_folder),
     FileNotFoundError, r'no_images/.*data_prefix.img'),
    # codecs and crops
    ('codec sigma 0 trained on NaN targets',
     edit(f'{TRAIN_PIPELINE}[3].encoder.sigma', 0.0), ValueError,
     r'pipeline\[3\].encoder.*`sigma`'),
    ('codec sigma as a string',
     edit('model.student.head.decoder.sigma', '2'), TypeError,
     r'model.student.head.decoder.*`sigma`'),
    ('crop and codec input sizes differ',
     edit(f'{TRAIN_PIPELINE}[2].input_size', [99, 133]), ValueError,
     r'input sizes differ.*pipeline\[2\].input_size=\(99, 133\)'),
    ('student without data_preprocessor got uint8 images',
     edit('model.student.data_preprocessor', DROP), ValueError,
     r'model.student.data_preprocessor` is missing'),
    ('student head left out failed inside MMPose',
     edit('model.student.head', DROP), ValueError,
     r'`model.student.head` is missing'),
    ('skeleton metainfo from a file that is no metainfo',
     edit('model.distill_losses.loss_skeleton', lambda tmp_path: dict(
         type='mmpose_kd.SkeletonDistillLoss',
         metainfo=dict(from_file=str(_file(tmp_path, 'weights.pth'))))),
     OSError, r'SkeletonDistillLoss: cannot read the skeleton from '
     r'`metainfo`.*weights.pth'),
    ('misspelt test_cfg key ignored by MMPose',
     rename('model.student.test_cfg.flip_test', 'flip_tset'), ValueError,
     r"model.student.test_cfg.flip_tset.*'flip_test'"),
    # parts that do not fit
    ('backbone strides that miss the codec heatmap size',
     edit('model.student.backbone.strides', (1, 2, 2, 1)), ValueError,
     r'`model.student`.*heatmap_size.*`strides`'),
]
PLAIN_FINDINGS = [
    ('regression model without its neck failed with a bare shape error',
     plain(regression_model(8), REGRESSION_CODEC), edit('model.neck', DROP),
     RuntimeError, r'`model`.*neck none.*`neck`'),
    ('plain model test_cfg key misspelt',
     plain(heatmap_model(8, deconv=(16, 16))),
     rename('model.test_cfg.flip_test', 'flip_tst'), ValueError,
     r'model.test_cfg.flip_tst'),
]


@pytest.mark.parametrize('change, error, match',
                         [entry[1:] for entry in FINDINGS],
                         ids=[entry[0] for entry in FINDINGS])
def test_distiller_finding_is_refused_before_training(
        change, error, match, coco_tiny_dir, tmp_path):
    work_dir = tmp_path / 'work_dir'
    cfg = unshared(coco_tiny_runner_cfg(
        base_model(), HEATMAP_CODEC, coco_tiny_dir, str(work_dir),
        max_epochs=1))
    change(cfg, tmp_path)
    assert_refused_before_training(cfg, work_dir, error, match)


@pytest.mark.parametrize('model, change, error, match',
                         [entry[1:] for entry in PLAIN_FINDINGS],
                         ids=[entry[0] for entry in PLAIN_FINDINGS])
def test_plain_model_finding_is_refused_before_training(
        model, change, error, match, coco_tiny_dir, tmp_path):
    work_dir = tmp_path / 'work_dir'
    cfg = unshared(coco_tiny_runner_cfg(
        model['model'], model['codec'], coco_tiny_dir, str(work_dir),
        max_epochs=1))
    change(cfg, tmp_path)
    assert_refused_before_training(cfg, work_dir, error, match)


def test_cached_teacher_heatmaps_concatenate_under_bfloat16_autocast(
        coco_tiny_dir, tmp_path):
    """The cached recipes did not train unmutated once the default CPU
    schedule trained in bfloat16: autocast refused to concatenate the
    cache's float16 heatmaps."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, MODELS

    from tests.cache_runs import build_cache, cached_cfg
    cache_dir, work_dir = str(tmp_path / 'cache'), str(tmp_path / 'work')
    build_cache(coco_tiny_dir, work_dir, cache_dir, views=1)
    cfg = cached_cfg(coco_tiny_dir, work_dir, cache_dir, view=0)
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    samples = pseudo_collate([dataset[0], dataset[1]])['data_samples']
    with torch.autocast('cpu', dtype=torch.bfloat16):
        outputs = model.cached_teacher.outputs(samples, torch.device('cpu'))
    assert outputs['head'].dtype == torch.float32
    assert outputs['head'].shape[0] == 2


def test_heatmap_branch_of_a_composite_head_is_checked_too():
    """OCD's training-only heatmap branch at the wrong size failed in the
    first step with a bare shape error: the forward check ran only the
    deployed regression branch."""
    from mmengine.registry import init_default_scope

    from mmpose_kd.models.forward_check import check_forward_shapes
    from mmpose_kd.registry import MODELS
    regression = regression_model(8)
    regression.pop('neck')
    model = dict(regression, backbone=dict(regression['backbone'],
                                           strides=(1, 2, 2, 1)))
    model['head'] = dict(type='mmpose_kd.CrossRepresentationHead',
                         regression=regression['head'],
                         heatmap=heatmap_model(8)['head'])
    init_default_scope('mmpose')
    with pytest.raises(ValueError, match=r'`model`.*HeatmapHead branch.*'
                       r'heatmap_size is \(12, 16\).*`strides`'):
        check_forward_shapes(MODELS.build(model), 'model')
