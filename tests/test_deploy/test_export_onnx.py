"""ONNX export of a plain student: dynamic batch, and keypoints that match
PyTorch's ``inference_topdown`` on the coco_tiny images (real photos where
``../shared/data`` is present, the generated stand-in otherwise)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')

from mmpose_kd.cli.export_onnx import main  # noqa: E402
from mmpose_kd.deploy.export_onnx import (export_onnx,  # noqa: E402
                                          onnx_inference_topdown)
from tests.test_tools.tool_runs import TINY_CONFIG  # noqa: E402


def regression_variant(cfg):
    cfg.model.neck = dict(type='GlobalAveragePooling')
    cfg.model.head = dict(
        type='RegressionHead', in_channels=256, num_joints=17,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=dict(type='RegressionLabel', input_size=(48, 64)))
    return cfg


@pytest.fixture(params=['heatmap', 'regression'])
def plain_model(request, coco_tiny_dir, tmp_path):
    """A randomly initialised plain MMPose model, saved and re-loaded."""
    from mmpose.apis import init_model
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.test_dataloader.dataset.data_root = coco_tiny_dir
    if request.param == 'regression':
        cfg = regression_variant(cfg)
    config = str(tmp_path / 'student_config.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = init_model(config, None, device='cpu')
    checkpoint = str(tmp_path / 'student.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    model = init_model(config, checkpoint, device='cpu')
    model.test_cfg['flip_test'] = False
    return model, config, checkpoint


def coco_boxes(coco_tiny_dir):
    with open(osp.join(coco_tiny_dir, 'test_coco.json')) as f:
        coco = json.load(f)
    files = {img['id']: img['file_name'] for img in coco['images']}
    boxes = {}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        boxes.setdefault(files[ann['image_id']], []).append(
            [x, y, x + w, y + h])
    return {k: np.array(v, dtype=np.float32) for k, v in boxes.items()}


def test_onnx_keypoints_match_pytorch_on_coco_tiny_images(plain_model,
                                                          coco_tiny_dir,
                                                          tmp_path):
    import onnx
    import onnxruntime
    from mmpose.apis import inference_topdown
    model, _, _ = plain_model
    onnx_file = export_onnx(model, str(tmp_path / 'student.onnx'))
    onnx.checker.check_model(onnx_file)
    session = onnxruntime.InferenceSession(onnx_file)
    compared = 0
    for name, boxes in coco_boxes(coco_tiny_dir).items():
        image = osp.join(coco_tiny_dir, name)
        # several boxes per image: the batch axis is dynamic
        got = onnx_inference_topdown(session, model, image, boxes)
        want = inference_topdown(model, image, boxes)
        assert len(got) == len(want) == len(boxes)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.pred_instances.keypoints,
                                       w.pred_instances.keypoints,
                                       atol=1e-2)  # pixels
            np.testing.assert_allclose(g.pred_instances.keypoint_scores,
                                       w.pred_instances.keypoint_scores,
                                       atol=1e-4)
            compared += 1
    assert compared >= 4


def test_graph_has_a_dynamic_batch_axis(plain_model, tmp_path):
    import onnxruntime
    model, _, _ = plain_model
    session = onnxruntime.InferenceSession(
        export_onnx(model, str(tmp_path / 'student.onnx')))
    assert session.get_inputs()[0].shape[0] == 'batch'
    for batch in (1, 5):
        x = torch.randn(batch, 3, 64, 48)
        with torch.no_grad():
            want = model.head.forward(model.extract_feat(x))
        got = session.run(None, {'input': x.numpy()})[0]
        assert got.shape[0] == batch
        np.testing.assert_allclose(got, want.numpy(), atol=1e-4, rtol=1e-4)


def test_command_line_writes_and_checks(plain_model, coco_tiny_dir, tmp_path,
                                        capsys):
    _, config, checkpoint = plain_model
    out = str(tmp_path / 'cli' / 'student.onnx')
    main([config, checkpoint, '--out', out, '--check-image',
          osp.join(coco_tiny_dir, '000000000785.jpg')])
    printed = capsys.readouterr().out
    assert osp.isfile(out) and not osp.exists(out + '.tmp')
    diff = float(printed.split('difference on ')[1].split(': ')[1].split()[0])
    assert diff < 1e-2
    with pytest.raises(SystemExit):
        main([config, str(tmp_path / 'missing.pth')])


def test_command_line_refuses_a_checkpoint_that_does_not_fit(
        plain_model, tmp_path, capsys):
    model, config, _ = plain_model
    state = {k: v for k, v in model.state_dict().items()}
    dropped = sorted(k for k in state if k.startswith('head.'))[-1]
    state.pop(dropped)
    state['head.extra'] = torch.zeros(1)
    state['backbone.conv1.weight'] = torch.zeros(1, 3, 7, 7)
    checkpoint = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=state), checkpoint)
    out = str(tmp_path / 'refused.onnx')
    with pytest.raises(SystemExit) as error:
        main([config, checkpoint, '--out', out])
    assert error.value.code == 1
    message = capsys.readouterr().err
    assert f"checkpoint {checkpoint!r} does not fit the model" in message
    assert f'missing: [{dropped}]' in message
    assert 'unexpected: [head.extra]' in message
    assert 'backbone.conv1.weight (1, 3, 7, 7) vs (64, 3, 7, 7)' in message
    assert not osp.exists(out)
    main([config, checkpoint, '--out', out, '--non-strict'])
    assert osp.isfile(out)
