"""Method docs agree with the code and configs they describe."""
import glob
import os.path as osp
import re

from mmengine.config import Config

from tests.config_runs import CONFIGS_ROOT

ROOT = osp.dirname(CONFIGS_ROOT)


def test_crd_doc_states_the_ocd_heatmap_sigma_of_the_config():
    cfg = Config.fromfile(
        f'{CONFIGS_ROOT}/crd/ocd_reg-res18-w16_synthetic-128x96.py')
    sigma = cfg.model.head.heatmap.decoder.sigma
    with open(osp.join(ROOT, 'docs', 'crd.md')) as f:
        row = [line for line in f
               if line.startswith('| `crd/ocd_reg-res18-w16_synthetic')][0]
    assert re.search(r'sigma (\d+)', row).group(1) == str(sigma)


def test_package_cites_shipped_docs_not_methods_md():
    sources = glob.glob(osp.join(ROOT, 'mmpose_kd', '**', '*.py'),
                        recursive=True)
    citing = [p for p in sources if 'METHODS.md' in open(p).read()]
    assert not citing


def test_no_config_uses_dataset_keypoint_weights_and_docs_say_so():
    configs = glob.glob(osp.join(CONFIGS_ROOT, '**', '*.py'), recursive=True)
    assert not [p for p in configs
                if 'use_dataset_keypoint_weights' in open(p).read()]
    for doc in ('crd.md', 'ikd.md'):
        with open(osp.join(ROOT, 'docs', doc)) as f:
            text = f.read()
        assert 'no shipped config does' in text, doc
        assert '(visibility x dataset joint weight)' not in text, doc
