"""Checkpoints named by URL: one checked download, then a weights-only load.

Every file comes from an HTTP server on 127.0.0.1 started here; TORCH_HOME
(and MMENGINE_HOME) point at temporary folders, so nothing reaches the
internet or the user's caches.
"""
import collections
import hashlib
import http.server
import os
import os.path as osp
import socket
import threading

import pytest
import torch
from mmengine.model import BaseModule
from mmengine.runner import checkpoint as mm_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint
from torch import nn

from mmpose_kd.compat import RUNNER_CHECKPOINT_FIELD
from mmpose_kd.model_parts.teacher import load_teacher_weights
from mmpose_kd.utils import CheckpointLoadError, safe_load_checkpoint
from mmpose_kd.utils import remote_checkpoint
from mmpose_kd.utils.remote_checkpoint import (RemoteCheckpointError,
                                               checkpoint_url,
                                               fetch_checkpoint,
                                               hash_prefix_in_name)

DOWNLOAD_YOURSELF = 'Download it yourself and pass the local path instead'


class CheckpointServer:
    """Serves the files of ``root`` over HTTP on 127.0.0.1.

    ``requests`` counts GETs per file name; a name in ``cut`` is answered
    that many times with its full Content-Length but half of its body.
    """

    def __init__(self, root):
        self.root = str(root)
        self.requests = collections.Counter()
        self.cut = {}
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):

            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=server.root, **kwargs)

            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip('/')
                server.requests[name] += 1
                if server.cut.get(name, 0) > 0:
                    server.cut[name] -= 1
                    with open(osp.join(server.root, name), 'rb') as file:
                        body = file.read()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[:len(body) // 2])
                    self.close_connection = True
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)

    def url(self, name: str) -> str:
        return f'http://127.0.0.1:{self.httpd.server_port}/{name}'

    def add(self, name: str, checkpoint) -> str:
        """Save ``checkpoint`` under ``name``; return its URL."""
        torch.save(checkpoint, osp.join(self.root, name))
        return self.url(name)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / 'served'
    root.mkdir()
    served = CheckpointServer(root)
    thread = threading.Thread(target=served.httpd.serve_forever,
                              kwargs=dict(poll_interval=0.02), daemon=True)
    thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def hub_cache(tmp_path, monkeypatch):
    """torch's hub cache (and MMEngine's home) in a temporary folder."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine_home'))
    monkeypatch.delenv('MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS', raising=False)
    return tmp_path / 'torch_home' / 'hub' / 'checkpoints'


class TinyNet(BaseModule):
    """A two-layer module with an ``init_cfg``, as MMPose backbones have."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.fc = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)


class WritesAFile:
    """A pickle that, if unpickled in full, would create ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def sha256_of(path) -> str:
    with open(path, 'rb') as file:
        return hashlib.sha256(file.read()).hexdigest()


def cached_files(hub_cache):
    return sorted(os.listdir(hub_cache)) if osp.isdir(hub_cache) else []


def assert_same_weights(actual: dict, expected: dict):
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        assert torch.equal(actual[key], value), key


def teacher_load_error(url: str) -> str:
    """The error loading ``url`` as ``teacher_ckpt`` raises: a
    CheckpointLoadError whose message names the field and the URL."""
    with pytest.raises(CheckpointLoadError) as error:
        safe_load_checkpoint(url, field='teacher_ckpt')
    assert isinstance(error.value, RemoteCheckpointError)
    message = str(error.value)
    assert message.startswith('`teacher_ckpt`: ') and url in message
    return message


# ------------------------------------------------------------ clean loads
def test_url_checkpoint_loads_the_files_weights_into_the_hub_cache(
        server, hub_cache):
    weights = TinyNet().state_dict()
    url = server.add('tiny.pth', dict(state_dict=weights))
    loaded = safe_load_checkpoint(url, field='teacher_ckpt')
    assert_same_weights(loaded['state_dict'], weights)
    assert cached_files(hub_cache) == ['tiny.pth']
    assert server.requests['tiny.pth'] == 1


def test_second_load_reuses_the_cached_file(server, hub_cache):
    weights = TinyNet().state_dict()
    url = server.add('tiny.pth', dict(state_dict=weights))
    safe_load_checkpoint(url)
    assert_same_weights(_load_checkpoint(url)['state_dict'], weights)
    model = TinyNet()
    load_checkpoint(model, url)
    assert_same_weights(model.state_dict(), weights)
    assert server.requests['tiny.pth'] == 1


def test_teacher_ckpt_url_loads_the_teacher(server):
    source = TinyNet()
    url = server.add('teacher.pth', dict(state_dict=source.state_dict()))
    teacher = TinyNet()
    load_teacher_weights(teacher, url)
    assert_same_weights(teacher.state_dict(), source.state_dict())


def test_pose_distiller_takes_a_teacher_ckpt_url(server):
    from mmengine.registry import init_default_scope

    from mmpose_kd.registry import MODELS
    from tests.tiny_models import heatmap_model
    init_default_scope('mmpose')
    source = MODELS.build(heatmap_model(base_channels=8, deconv=(16, 16)))
    url = server.add('teacher.pth', dict(state_dict=source.state_dict()))
    distiller = MODELS.build(dict(
        type='mmpose_kd.PoseDistiller',
        student=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher=heatmap_model(base_channels=8, deconv=(16, 16)),
        teacher_ckpt=url,
        distill_losses=dict(loss_logit=dict(
            type='mmpose_kd.HeatmapLogitDistillLoss'))))
    assert_same_weights(distiller.teacher.state_dict(), source.state_dict())


def test_init_cfg_pretrained_url_initialises_the_module(server):
    weights = TinyNet().state_dict()
    url = server.add('pretrained.pth', dict(state_dict=weights))
    model = TinyNet(init_cfg=dict(type='Pretrained', checkpoint=url))
    model.init_weights()
    assert_same_weights(model.state_dict(), weights)


def test_progress_bar_shown_on_request(server, capsys):
    url = server.add('tiny.pth', dict(state_dict=TinyNet().state_dict()))
    fetch_checkpoint(url, progress=True)
    assert '100%' in capsys.readouterr().err


# --------------------------------------------------- code in the pickle
def load_as_teacher(url):
    load_teacher_weights(TinyNet(), url)


def load_as_pretrained(url):
    TinyNet(init_cfg=dict(type='Pretrained', checkpoint=url)).init_weights()


ENTRY_POINTS = {
    'safe_load_checkpoint': lambda url: safe_load_checkpoint(url),
    'teacher_ckpt': load_as_teacher,
    'load_from (_load_checkpoint)': lambda url: _load_checkpoint(url),
    'load_checkpoint': lambda url: load_checkpoint(TinyNet(), url),
    'init_cfg Pretrained': load_as_pretrained,
}


@pytest.mark.parametrize('entry', sorted(ENTRY_POINTS))
def test_crafted_pickle_by_url_runs_nothing_and_is_refused(
        entry, server, tmp_path):
    marker = tmp_path / 'pwned'
    url = server.add('evil.pth', dict(state_dict=TinyNet().state_dict(),
                                      meta=WritesAFile(str(marker))))
    with pytest.raises(CheckpointLoadError) as error:
        ENTRY_POINTS[entry](url)
    assert url in str(error.value)
    assert 'safe allow-list' in str(error.value)
    assert not marker.exists()


@pytest.mark.parametrize('scheme', ['torchvision://', 'open-mmlab://'])
def test_crafted_pickle_by_model_zoo_name_is_refused(
        scheme, server, tmp_path, monkeypatch):
    marker = tmp_path / 'pwned'
    url = server.add('evil.pth', dict(meta=WritesAFile(str(marker))))
    monkeypatch.setitem(remote_checkpoint.MODEL_ZOO_TABLES, scheme,
                        lambda: {'evil': url})
    with pytest.raises(CheckpointLoadError, match='safe allow-list'):
        _load_checkpoint(f'{scheme}evil')
    assert not marker.exists()


def test_the_local_opt_ins_apply_to_urls(server, tmp_path, monkeypatch):
    marker = tmp_path / 'ran'
    url = server.add('trusted.pth', dict(state_dict=TinyNet().state_dict(),
                                         meta=WritesAFile(str(marker))))
    safe_load_checkpoint(url, allow_unsafe=True)  # teacher_ckpt_allow_unsafe
    assert marker.exists()
    marker.unlink()
    monkeypatch.setenv('MMPOSE_KD_ALLOW_UNSAFE_CHECKPOINTS', '1')
    _load_checkpoint(url)
    assert marker.exists()  # the opt-ins really are full unpickling


# ------------------------------------------------------ hash in the name
@pytest.mark.parametrize('name, expected', [
    ('resnet50-0676ba61.pth', '0676ba61'),
    ('td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth',
     '04af38ce'),
    ('shufflenetv2_x0.5-f707e7126e.pth', 'f707e7126e'),
    ('vgg13-19584684.pth', '19584684'),  # all digits, yet no date
    ('rtmw-dw-l-m_simcc-cocktail14_270e-256x192-20231122.pth', None),
    ('dw-ll_ucoco_384.pth', None),
    ('td-hm_res50_8xb64-210e_coco-256x192.pth', None),
])
def test_hash_prefix_read_from_file_names(name, expected):
    assert hash_prefix_in_name(name) == expected


def hashed_name(server, template: str, weights) -> str:
    """Save ``weights`` under ``template`` with its real hash prefix."""
    plain = osp.join(server.root, 'plain.pth')
    torch.save(dict(state_dict=weights), plain)
    name = template.format(sha256_of(plain)[:8])
    os.rename(plain, osp.join(server.root, name))
    return name


@pytest.mark.parametrize('template', ['tiny-{}.pth', 'tiny-{}_20220923.pth'])
def test_a_matching_hash_prefix_loads(template, server):
    weights = TinyNet().state_dict()
    name = hashed_name(server, template, weights)
    assert_same_weights(safe_load_checkpoint(server.url(name))['state_dict'],
                        weights)


@pytest.mark.parametrize('name',
                         ['tiny-deadbeef.pth', 'tiny-deadbeef_20220923.pth'])
def test_a_hash_mismatch_is_refused_and_not_cached(name, server, hub_cache):
    url = server.add(name, dict(state_dict=TinyNet().state_dict()))
    actual = sha256_of(osp.join(server.root, name))
    message = teacher_load_error(url)
    assert 'expected deadbeef' in message and actual in message
    assert cached_files(hub_cache) == []


def test_a_cached_file_that_fails_its_hash_is_fetched_again(
        server, hub_cache):
    weights = TinyNet().state_dict()
    name = hashed_name(server, 'tiny-{}.pth', weights)
    hub_cache.mkdir(parents=True)
    (hub_cache / name).write_bytes(b'truncated by an earlier download')
    loaded = safe_load_checkpoint(server.url(name))
    assert_same_weights(loaded['state_dict'], weights)
    assert server.requests[name] == 1


# ------------------------------------------------- failing downloads
def test_404_names_field_url_and_cause_without_retrying(server):
    message = teacher_load_error(server.url('missing.pth'))
    assert 'cannot download' in message and 'HTTP 404' in message
    assert DOWNLOAD_YOURSELF in message
    assert server.requests['missing.pth'] == 1


def test_runner_loads_name_the_runner_fields(server):
    with pytest.raises(RemoteCheckpointError,
                       match=f'`{RUNNER_CHECKPOINT_FIELD}`.*HTTP 404'):
        _load_checkpoint(server.url('missing.pth'))


def test_unreachable_host_gives_the_clear_error(hub_cache):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    message = teacher_load_error(f'http://127.0.0.1:{port}/teacher.pth')
    assert 'refused' in message and DOWNLOAD_YOURSELF in message
    assert cached_files(hub_cache) == []


def test_a_truncated_download_is_retried_once_then_refused(
        server, hub_cache):
    url = server.add('tiny.pth', dict(state_dict=TinyNet().state_dict()))
    server.cut['tiny.pth'] = 2
    message = teacher_load_error(url)
    assert '2 attempt(s)' in message
    assert 'the transfer ended after' in message
    assert server.requests['tiny.pth'] == 2
    assert cached_files(hub_cache) == []


def test_a_truncated_download_succeeds_on_the_retry(server):
    weights = TinyNet().state_dict()
    url = server.add('tiny.pth', dict(state_dict=weights))
    server.cut['tiny.pth'] = 1
    assert_same_weights(safe_load_checkpoint(url)['state_dict'], weights)
    assert server.requests['tiny.pth'] == 2


# ------------------------------------------------ MMEngine's model zoo
def test_open_mmlab_names_use_mmengines_table(server, tmp_path):
    weights = TinyNet().state_dict()
    url = server.add('zoo.pth', dict(state_dict=weights))
    home = tmp_path / 'mmengine_home'  # MMENGINE_HOME, see hub_cache
    home.mkdir()
    (home / 'open_mmlab.json').write_text(f'{{"tiny/net": "{url}"}}')
    assert checkpoint_url('open-mmlab://tiny/net') == url
    model = TinyNet(init_cfg=dict(type='Pretrained',
                                  checkpoint='open-mmlab://tiny/net'))
    model.init_weights()
    assert_same_weights(model.state_dict(), weights)


def test_torchvision_names_use_mmengines_table(server, monkeypatch):
    weights = TinyNet().state_dict()
    url = server.add('tv.pth', dict(state_dict=weights))
    monkeypatch.setattr(mm_checkpoint, 'get_torchvision_models',
                        lambda: {'tinynet': url})
    assert_same_weights(_load_checkpoint('torchvision://tinynet')
                        ['state_dict'], weights)


def test_torchvision_names_without_a_working_torchvision(monkeypatch):
    def broken():
        raise RuntimeError('operator torchvision::nms does not exist')

    monkeypatch.setattr(mm_checkpoint, 'get_torchvision_models', broken)
    url = checkpoint_url('torchvision://resnet50')
    assert url.startswith('https://') and 'resnet50' in url


def test_mmcls_names_keep_mmengines_backbone_rekeying(server, monkeypatch):
    url = server.add('cls.pth', dict(state_dict={
        'backbone.fc.weight': torch.ones(2), 'head.fc.weight': torch.ones(3)
    }))
    monkeypatch.setattr(mm_checkpoint, 'get_mmcls_models',
                        lambda: {'tinynet': url})
    assert list(_load_checkpoint('mmcls://tinynet')['state_dict']) == [
        'fc.weight']


def test_unknown_model_zoo_name_suggests_the_nearest():
    with pytest.raises(RemoteCheckpointError,
                       match=r'`teacher_ckpt`.*torchvision://resnet5\b.*'
                       r'nearest: torchvision://resnet50'):
        safe_load_checkpoint('torchvision://resnet5', field='teacher_ckpt')


def test_distributed_rank_downloads_after_rank_zero(server, monkeypatch):
    url = server.add('tiny.pth', dict(state_dict=TinyNet().state_dict()))
    calls = []
    download = remote_checkpoint.cached_download
    monkeypatch.setattr(remote_checkpoint, 'get_dist_info', lambda: (1, 2))
    monkeypatch.setattr(torch.distributed, 'barrier',
                        lambda: calls.append('barrier'))
    monkeypatch.setattr(
        remote_checkpoint, 'cached_download',
        lambda *args: calls.append('download') or download(*args))
    fetch_checkpoint(url)
    assert calls == ['barrier', 'download']


def test_teacher_cache_fingerprint_hashes_the_downloaded_file(server,
                                                             hub_cache):
    from mmpose_kd.cache.fingerprint import teacher_fingerprint
    weights = TinyNet().state_dict()
    url = server.add('teacher.pth', dict(state_dict=weights))
    part = teacher_fingerprint(dict(type='TinyNet'), url)
    assert part['checkpoint'] == 'teacher.pth'
    assert part['checkpoint_sha256'] == sha256_of(
        osp.join(hub_cache, 'teacher.pth'))
