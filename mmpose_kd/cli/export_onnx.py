"""``tools/export_onnx.py``: export a plain MMPose student to ONNX and check
it against PyTorch (see :mod:`mmpose_kd.deploy.export_onnx`)."""
import argparse
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from mmpose_kd.deploy.export_onnx import export_onnx, onnx_inference_topdown


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Export a plain MMPose student (e.g. the output of '
        'tools/export_student.py) to ONNX with a dynamic batch axis, and '
        'check it against PyTorch on an image.')
    parser.add_argument('config', help='plain student config')
    parser.add_argument('checkpoint', help='plain student checkpoint')
    parser.add_argument('--out', default='student.onnx')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--input-size', type=int, nargs=2, default=None,
                        metavar=('W', 'H'))
    parser.add_argument('--check-image', default=None,
                        help='compare ONNX and PyTorch keypoints on this '
                        'image (whole image as the box)')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='export even when the checkpoint does not fit the config\'s '
        'model (missing, unexpected or shape-mismatched keys)')
    args = parser.parse_args(argv)
    for name in ('config', 'checkpoint'):
        if not osp.isfile(getattr(args, name)):
            parser.error(f'{name} {getattr(args, name)!r} does not exist')
    from mmengine.runner.checkpoint import _load_checkpoint
    from mmpose.apis import inference_topdown, init_model

    from mmpose_kd.utils.checkpoint import (check_state_dict_fit,
                                            extract_state_dict)
    model = init_model(args.config, args.checkpoint, device='cpu')
    if not args.non_strict:
        try:
            check_state_dict_fit(
                model,
                extract_state_dict(_load_checkpoint(args.checkpoint, 'cpu')),
                args.checkpoint, 'checkpoint')
        except ValueError as error:
            parser.exit(1, f'{parser.prog}: error: {error} Pass --non-strict '
                        'to export it anyway.\n')
    model.test_cfg['flip_test'] = False
    out = export_onnx(model, args.out, args.opset, args.input_size)
    print(f'ONNX model written to {out}')
    if args.check_image:
        ort_kpts = onnx_inference_topdown(
            out, model, args.check_image)[0].pred_instances.keypoints
        pt_kpts = inference_topdown(
            model, args.check_image)[0].pred_instances.keypoints
        diff = float(np.abs(np.asarray(ort_kpts) -
                            np.asarray(pt_kpts)).max())
        print(f'max |ONNX - PyTorch| keypoint difference on '
              f'{args.check_image}: {diff:.2e} px')

