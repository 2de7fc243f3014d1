"""The shared start of the DWPose pair: one draw of the student and
connector per seed, written under each method's own names, loaded by
MMEngine's ``load_from``; and what it refuses."""
import os.path as osp

import pytest
import torch
from mmengine.runner.checkpoint import load_checkpoint

from benchmark_harness import ablation, benchmark, shared_start
from benchmark_harness.methods import (BY_ID, SELECTIONS, SHARED_STARTS,
                                       group_methods)
from tests.test_harness.budget_standin import StandInTraining, options_dict
from tests.test_harness.test_teacher_budget import budget_argv, harness  # noqa: F401,E501

GROUP = 'dwpose-pair-same-start'
ALONE, DWPOSE, OURS = SELECTIONS[GROUP]
CONNECTOR_OURS = 'distill_losses.loss_fea.connector.conv.conv.'
CONNECTOR_DWPOSE = 'distill_losses.loss_fea.align.'


def test_toy_states_are_renamed_and_shapes_checked():
    start = {'student.a': torch.ones(2), 'student.b': torch.zeros(3),
             'loss.connector.w': torch.full((4, 2), 2.0)}
    alone = shared_start.for_method(
        start, {'a': torch.empty(2), 'b': torch.empty(3)}, 'alone')
    assert set(alone) == {'a', 'b'} and torch.equal(alone['a'], torch.ones(2))
    other = shared_start.for_method(
        start, {'student.a': torch.empty(2), 'student.b': torch.empty(3),
                'loss.align.w': torch.empty(4, 2)}, 'other distiller')
    assert torch.equal(other['loss.align.w'], start['loss.connector.w'])
    with pytest.raises(shared_start.StartMismatch,
                       match=r"wider: the shared start cannot set "
                       r"student\.b \(5,\)"):
        shared_start.for_method(
            start, {'student.a': torch.empty(2),
                    'student.b': torch.empty(5),
                    'loss.align.w': torch.empty(4, 2)}, 'wider')
    with pytest.raises(shared_start.StartMismatch,
                       match=r"two connectors: .*2 tensors outside the "
                       r"student \(loss\.x, loss\.y\) against the draw's 1"):
        shared_start.for_method(
            start, {'student.a': torch.empty(2), 'student.b': torch.empty(3),
                    'loss.x': torch.empty(1), 'loss.y': torch.empty(1)},
            'two connectors')


@pytest.fixture(scope='module')
def starts(tmp_path_factory):
    """The pair's three methods' start checkpoints at seed 0."""
    root = tmp_path_factory.mktemp('starts')
    draws = {}
    return {key: shared_start.write(
        osp.join(ablation.REPO_ROOT, SHARED_STARTS[GROUP]), 0,
        osp.join(ablation.REPO_ROOT, BY_ID[key].config),
        str(root / f'{key}.pth'), key, draws)
        for key in (ALONE, DWPOSE, OURS)}


def test_every_method_of_the_pair_loads_one_draw(starts):
    """MMEngine's checkpoint loader (what ``load_from`` calls) sets every
    student and connector tensor of each method from the same draw; the
    DWPoseDistiller's teacher is left to its own checkpoint."""
    loaded = {}
    for key, path in starts.items():
        model = shared_start.build_untrained(
            osp.join(ablation.REPO_ROOT, BY_ID[key].config))
        before = {k: v.clone() for k, v in model.state_dict().items()}
        load_checkpoint(model, path, map_location='cpu', strict=False)
        state = model.state_dict()
        assert all(torch.equal(state[k], before[k]) for k in state
                   if k.startswith('teacher.'))
        loaded[key] = state
    alone, dwpose, ours = loaded[ALONE], loaded[DWPOSE], loaded[OURS]
    assert len(alone) == 132
    for name, value in alone.items():
        assert torch.equal(dwpose[f'student.{name}'], value), name
        assert torch.equal(ours[f'student.{name}'], value), name
    for part in ('weight', 'bias'):
        assert torch.equal(dwpose[CONNECTOR_DWPOSE + part],
                           ours[CONNECTOR_OURS + part])
    # the draw is the recipe's: DWPose's connector init (PyTorch's
    # kaiming-uniform over 128 inputs: std 1/sqrt(3 * 128)), bias 0
    weight = ours[CONNECTOR_OURS + 'weight']
    assert weight.std().item() == pytest.approx((3 * 128) ** -0.5, rel=0.05)
    assert not ours[CONNECTOR_OURS + 'bias'].any()


def test_a_draw_is_the_seeds_and_only_the_seeds():
    """And its student is the one the student alone draws at that seed
    (mmpose_kd's distiller pairs by seed): only DWPoseDistiller's runs
    start elsewhere than in the unshared group."""
    recipe = osp.join(ablation.REPO_ROOT, SHARED_STARTS[GROUP])
    first, again, other = (shared_start.draw(recipe, seed)
                           for seed in (3, 3, 4))
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first['student.backbone.conv1.weight'],
                           other['student.backbone.conv1.weight'])
    alone = shared_start.draw(
        osp.join(ablation.REPO_ROOT, BY_ID[ALONE].config), 3)
    assert all(torch.equal(first[f'student.{k}'], v)
               for k, v in alone.items())


def test_only_the_shared_start_group_loads_a_start(tmp_path):
    pair = ablation.plan_group('dwpose-pair', [0], 3, '/t.pth',
                               str(tmp_path))
    same = ablation.plan_group(GROUP, [0, 1], 3, '/t.pth', str(tmp_path))
    assert all(run.start is None and not any(
        o.startswith('load_from=') for o in run.options) for run in pair)
    assert [m.id for m in group_methods(GROUP)] == [ALONE, DWPOSE, OURS]
    for run in same:
        stem = osp.splitext(osp.basename(run.config))[0]
        path = str(tmp_path / GROUP / 'starts' / f'{stem}_seed{run.seed}.pth')
        assert run.start == (osp.join(ablation.REPO_ROOT,
                                      SHARED_STARTS[GROUP]), path)
        assert options_dict(run.options)['load_from'] == path


def test_the_selection_writes_each_runs_start_before_training_it(
        tmp_path, harness):  # noqa: F811
    training = harness()
    result = benchmark.main(budget_argv(tmp_path, '3', '--selection', GROUP))
    teacher, *students = training.calls
    assert len(students) == 6
    for call in students:
        path = options_dict(call['options'])['load_from']
        assert osp.isfile(path) and f'_seed{call["seed"]}.pth' in path
    assert [row['id'] for row in result['accuracy']] == list(
        SELECTIONS[GROUP])


def test_the_report_gives_the_two_distillers_difference_paired(
        tmp_path, harness, monkeypatch):  # noqa: F811
    """Final APs: alone 0.40, DWPoseDistiller 0.45, ours 0.44 + 0.002 x
    seed: ours minus DWPoseDistiller -0.010 and -0.008 on seeds 0 and 1."""
    finals = {'td-simcc_res18-w16': 0.40, 'dwpose_': 0.45,
              'kd-dwpose-losses-dwpose-init_': 0.44}

    def ap(stem, seed, fraction):
        final = next((v for k, v in finals.items() if stem.startswith(k)),
                     0.5)  # the teacher
        extra = 0.002 * seed if stem.startswith('kd-') else 0.0
        return (final + extra) * fraction

    monkeypatch.setattr(ablation, 'train', StandInTraining(ap))
    result = benchmark.main(budget_argv(tmp_path, '3', '--selection', GROUP))
    (comparison, ) = result['comparisons']
    assert (comparison['id'], comparison['against']) == (OURS, DWPOSE)
    assert comparison['ap']['diffs'] == pytest.approx([-0.010, -0.008])
    assert comparison['ap']['mean'] == pytest.approx(-0.009)
    markdown = (tmp_path / 'out' / f'results_budget_{GROUP}.md').read_text()
    assert ('| mmpose_kd, DWPose losses and options, shared start | '
            'DWPoseDistiller (MMPose), shared start | -0.0090 [') in markdown
    assert '| -0.0100, -0.0080 |' in markdown
