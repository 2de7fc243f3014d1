"""The DWPose migration example of docs/migration.md builds and computes the
same losses as MMPose's DWPoseDistiller would on the same outputs."""
import pytest
import torch
from mmengine.registry import init_default_scope

from benchmark_harness.quickstart import REPO_ROOT
from mmpose_kd.registry import MODELS


def migrated_losses():
    """The ``distill_losses`` dict of the guide's DWPose example."""
    with open(f'{REPO_ROOT}/docs/migration.md') as f:
        text = f.read()
    block = text.split('# after', 1)[1].split('```', 1)[0]

    def call_after(marker):
        start = block.index(marker) + len(marker)
        depth = 0
        for end, char in enumerate(block[start:], start):
            depth += {'(': 1, ')': -1}.get(char, 0)
            if depth == 0 and char == ')':
                return block[start:end + 1]

    # the names the example defines before its model (our own doc)
    names = dict(DWPOSE_ALIGN_INIT=eval(call_after('DWPOSE_ALIGN_INIT = ')))
    return eval(call_after('distill_losses='), names)  # noqa: S307


def test_dwpose_example_losses_build_and_match_mmpose():
    from mmpose.models.losses import FeaLoss, KDLoss
    init_default_scope('mmpose')
    losses = migrated_losses()
    assert set(losses) == {'loss_fea', 'loss_logit'}
    # routing keys are the distiller's; the loss modules take the rest
    assert losses['loss_fea'].pop('student_input') == 'backbone'
    assert losses['loss_fea'].pop('teacher_input') == 'backbone'
    fea = MODELS.build(losses['loss_fea'])
    logit = MODELS.build(losses['loss_logit'])
    # the connector starts as FeaLoss's align conv: std 1/sqrt(3 fan-in)
    fea.connector.init_weights()
    assert float(fea.connector.conv.conv.weight.std()) == \
        pytest.approx((3 * 1024)**-0.5, rel=0.05)

    torch.manual_seed(0)
    s_feat, t_feat = torch.randn(2, 1024, 12, 9), torch.randn(2, 1280, 12, 9)
    theirs = FeaLoss(name='loss_fea', use_this=True, student_channels=1024,
                     teacher_channels=1280, alpha_fea=0.00007)
    # the same 1x1 conv in both
    fea.connector.conv.conv.weight.data.copy_(theirs.align.weight.data)
    fea.connector.conv.conv.bias.data.copy_(theirs.align.bias.data)
    torch.testing.assert_close(fea(s_feat, t_feat), theirs(s_feat, t_feat),
                               rtol=1e-4, atol=1e-6)

    s_simcc = (torch.randn(2, 133, 576), torch.randn(2, 133, 768))
    t_simcc = (torch.randn(2, 133, 576), torch.randn(2, 133, 768))
    kd = KDLoss(name='loss_logit', use_this=True, weight=0.1)
    torch.testing.assert_close(logit(s_simcc, t_simcc),
                               kd(s_simcc, t_simcc, 10.0, None))
