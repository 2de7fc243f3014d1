"""Inspection tools on a real (tiny) distillation run on coco_tiny: teacher
vs student PNGs, training curves, and the TensorBoard config snippet."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_kd.cli.plot_curves import main as plot_main
from mmpose_kd.cli.visualize_pair import main as visualize_main
from mmpose_kd.visualization import head_heatmaps, read_scalars
from tests.test_tools.tool_runs import REPO_ROOT
from tests.tiny_models import (REGRESSION_CODEC, coco_tiny_runner_cfg,
                               heatmap_model, regression_model)

TENSORBOARD_SNIPPET = osp.join(REPO_ROOT, 'configs', '_base_',
                               'tensorboard.py')


@pytest.fixture(scope='module')
def distill_run(coco_tiny_dir, tmp_path_factory):
    """Train a heatmap-teacher / regression-student pair for 2 epochs with
    the TensorBoard snippet; return (config file, work dir)."""
    pytest.importorskip('tensorboard')
    root = tmp_path_factory.mktemp('distill_run')
    teacher = heatmap_model(base_channels=16, deconv=(32, 32))
    model = dict(
        type='mmpose_kd.PoseDistiller', student=regression_model(8),
        teacher=teacher, teacher_ckpt=None,
        distill_losses=dict(loss_coord=dict(type='mmpose_kd.CoordDistillLoss')))
    cfg = coco_tiny_runner_cfg(model, REGRESSION_CODEC, coco_tiny_dir,
                               str(root / 'work'), max_epochs=2)
    snippet = Config.fromfile(TENSORBOARD_SNIPPET)
    cfg['visualizer'] = snippet.visualizer.to_dict()
    # MMEngine keeps one visualizer per name per process: a fresh name so
    # an earlier test's runner (other save_dir) is not reused
    cfg['visualizer']['name'] = f'visualizer_{root.name}'
    config = str(root / 'pair.py')
    Config(cfg).dump(config)
    Runner.from_cfg(Config.fromfile(config)).train()
    return config, str(root / 'work')


def test_tensorboard_snippet_writes_event_files(distill_run):
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    _, work_dir = distill_run
    events = glob.glob(osp.join(work_dir, '*', 'vis_data',
                                'events.out.tfevents.*'))
    assert len(events) == 1
    accumulator = EventAccumulator(events[0])
    accumulator.Reload()
    tags = accumulator.Tags()['scalars']
    assert 'distill.loss_coord' in tags and 'coco/AP' in tags
    assert len(accumulator.Scalars('distill.loss_coord')) >= 2


def test_training_curves_plot_every_term(distill_run, tmp_path, capsys):
    _, work_dir = distill_run
    losses, metrics = read_scalars(work_dir)
    assert {'loss', 'student.loss_kpt', 'distill.loss_coord'} <= set(losses)
    assert [step for step, _ in metrics['coco/AP']] == [1, 2]
    out = str(tmp_path / 'curves.png')
    plot_main([work_dir, '--out', out])
    assert capsys.readouterr().out.strip() == out
    from PIL import Image
    assert Image.open(out).size[0] >= 600
    with pytest.raises(FileNotFoundError, match='no .*scalars.json'):
        read_scalars(str(tmp_path))


def test_pair_pngs_from_a_runner_checkpoint(distill_run, coco_tiny_dir,
                                            tmp_path, capsys):
    config, work_dir = distill_run
    out_dir = str(tmp_path / 'vis')
    image = osp.join(coco_tiny_dir, '000000000785.jpg')
    visualize_main([config, osp.join(work_dir, 'epoch_2.pth'), image,
                    '--bbox', '280', '40', '510', '600', '--out-dir',
                    out_dir])
    printed = capsys.readouterr().out
    from PIL import Image
    skeletons = osp.join(out_dir, '000000000785_skeletons.png')
    heatmaps = osp.join(out_dir, '000000000785_heatmaps.png')
    assert f'skeletons: {skeletons}' in printed
    assert Image.open(skeletons).size == (800, 450)
    width, height = Image.open(heatmaps).size
    assert width > 4 * height  # 17 keypoints side by side, 2 rows
    # a checkpoint of another model is refused, naming the file
    other = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'x': torch.zeros(1)}), other)
    with pytest.raises(ValueError, match='other.pth'):
        visualize_main([config, other, image, '--out-dir', out_dir])


def test_head_outputs_become_heatmaps():
    maps = torch.rand(2, 17, 16, 12)
    assert head_heatmaps(maps, (12, 16)) is not None
    torch.testing.assert_close(head_heatmaps(maps, (12, 16)), maps)
    coords = torch.tensor([[[0.5, 0.25]]])  # normalised (x, y)
    rendered = head_heatmaps(coords, (12, 16))
    assert rendered.shape == (1, 1, 16, 12)
    y, x = np.unravel_index(rendered[0, 0].argmax().item(), (16, 12))
    assert (x, y) == (6, 4)
    simcc = (torch.zeros(1, 1, 24), torch.zeros(1, 1, 32))
    simcc[0][0, 0, 5] = simcc[1][0, 0, 7] = 20.0
    peak = head_heatmaps(simcc, (24, 32))[0, 0]
    assert peak.shape == (32, 24)
    assert np.unravel_index(peak.argmax().item(), (32, 24)) == (7, 5)
    with pytest.raises(ValueError, match=r'shape \(3,\)'):
        head_heatmaps(torch.zeros(3), (12, 16))
