"""The shipped default teacher: packed as float16, refused when altered."""
import json

import pytest
import torch

from benchmark_harness.shipped_teacher import (ShippedTeacherError,
                                            manifest_path, pack_teacher,
                                            verified_teacher)


def _runner_checkpoint(path):
    torch.manual_seed(0)
    state = {'backbone.conv.weight': torch.randn(4, 3, 3, 3),
             'head.bn.num_batches_tracked': torch.tensor(7)}
    torch.save(dict(state_dict=state, meta=dict(epoch=3),
                    optimizer=dict(lr=0.1)), path)
    return state


def test_pack_keeps_only_weights_in_float16(tmp_path):
    state = _runner_checkpoint(tmp_path / 'epoch_3.pth')
    out = tmp_path / 'ckpts' / 'teacher_fp16.pth'
    manifest = pack_teacher(str(tmp_path / 'epoch_3.pth'), str(out),
                            'configs/x.py', info=dict(val={'coco/AP': 0.7}))
    packed = torch.load(out, weights_only=True)
    assert set(packed) == {'state_dict'}
    weight = packed['state_dict']['backbone.conv.weight']
    assert weight.dtype == torch.float16
    torch.testing.assert_close(weight.float(), state['backbone.conv.weight'],
                               atol=2e-3, rtol=1e-3)
    # Integer buffers keep their type.
    assert packed['state_dict']['head.bn.num_batches_tracked'].item() == 7
    on_disk = json.loads(open(manifest_path(str(out))).read())
    assert on_disk == manifest and manifest['config'] == 'configs/x.py'
    assert manifest['val'] == {'coco/AP': 0.7}
    assert verified_teacher(str(out)) == str(out)


def test_an_altered_or_missing_teacher_is_refused_with_the_rebuild_command(
        tmp_path):
    _runner_checkpoint(tmp_path / 'epoch_3.pth')
    out = str(tmp_path / 'teacher_fp16.pth')
    pack_teacher(str(tmp_path / 'epoch_3.pth'), out, 'configs/x.py')
    with open(out, 'ab') as f:
        f.write(b'\0')
    with pytest.raises(ShippedTeacherError,
                       match=r'teacher_fp16.pth.*SHA-256.*--train-teacher'):
        verified_teacher(out)
    with pytest.raises(ShippedTeacherError,
                       match=r'nothing.pth.*missing.*--train-teacher'):
        verified_teacher(str(tmp_path / 'nothing.pth'))
