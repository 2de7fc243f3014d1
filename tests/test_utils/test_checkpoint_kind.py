"""A file that is no checkpoint at all is named as what it is, before
torch's weights_only message (which would suggest unsafe loading) can
mislead; both of torch.save's formats still load."""
import pytest
import torch

from mmpose_kd.utils import CheckpointLoadError, safe_load_checkpoint
from mmpose_kd.utils.checkpoint import not_a_torch_file


@pytest.mark.parametrize('legacy', [False, True])
def test_both_torch_save_formats_load(tmp_path, legacy):
    path = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(2))), path,
               _use_new_zipfile_serialization=not legacy)
    assert not_a_torch_file(path) == ''
    assert torch.equal(safe_load_checkpoint(path)['state_dict']['w'],
                       torch.ones(2))


@pytest.mark.parametrize('content, kind', [
    (b'', 'the file is empty'),
    (b'{"images": []}', 'it looks like JSON or other text'),
    (b'\x89PNG\r\n\x1a\n', 'it looks like a PNG image'),
    (b"_base_ = ['../x.py']", 'it looks like text, e.g. a Python config'),
    (b'\x00\x01\x02\x03junk', "it starts with b'\\x00\\x01\\x02\\x03junk'"),
])
def test_other_files_are_named_as_what_they_are(tmp_path, content, kind):
    path = tmp_path / 'teacher.pth'
    path.write_bytes(content)
    assert not_a_torch_file(str(path)).startswith(kind)
    with pytest.raises(CheckpointLoadError) as error:
        safe_load_checkpoint(str(path), field='teacher_ckpt')
    message = str(error.value)
    assert message.startswith(f'`teacher_ckpt`: {str(path)!r} is not a '
                              f'PyTorch checkpoint ({kind}')
    assert 'weights_only' not in message
