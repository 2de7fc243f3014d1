"""Every method the harness trains, defined once, with a stable id.

A method's ``id`` (``'<group>.<name>'``) is what the report, its target
checks and the results files key on; ``label`` is for display only, so
renaming a label never drops a check. The groups, their order and their
teachers are listed here and nowhere else, and so are the selections that
train chosen methods of several groups (the teacher-budget benchmark).
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence


@dataclass(frozen=True)
class Method:
    """One trained recipe of the benchmark.

    Attributes:
        id (str): Stable identifier, ``'<group>.<name>'``.
        label (str): Display name in tables and plots.
        config (str): The recipe, relative to the checkout.
        group (str): The ablation group it is trained and reported in.
        baseline (str, optional): The id of the method its gain is
            measured against; default: its group's student alone.
        selected_only (bool): Trained only where a selection names it
            (:data:`TEACHER_BUDGET`), not when its whole group is
            (``ablation.py GROUP``, the default benchmark).
    """
    id: str
    label: str
    config: str
    group: str
    baseline: Optional[str] = None
    selected_only: bool = False

    @property
    def teacher(self) -> Optional[str]:
        """The teacher recipe whose checkpoint the group's distillers get."""
        return GROUP_TEACHERS[self.group]


#: Groups in training and report order.
GROUP_ORDER = ('ikd', 'ikd-bf16-teacher', 'crd', 'dwpose-pair',
               'dwpose-pair-same-start')
#: The teacher recipe of each group.
GROUP_TEACHERS: Dict[str, str] = {
    'ikd':
        'configs/quickstart/td-hm_res18-w32_synthetic-128x96.py',
    'ikd-bf16-teacher':
        'configs/quickstart/td-hm_res18-w32_synthetic-128x96.py',
    'crd':
        'configs/quickstart/td-hm_res18-w32_synthetic-128x96.py',
    'dwpose-pair':
        'configs/benchmark/td-simcc_res18-w32_synthetic-128x96.py',
    'dwpose-pair-same-start':
        'configs/benchmark/td-simcc_res18-w32_synthetic-128x96.py',
}
#: Groups whose baseline (student alone) is another group's first method.
BASELINE_GROUP = {'ikd-bf16-teacher': 'ikd'}
#: Groups distilled from the SimCC pair's teacher, not the quick-start one.
PAIR_GROUPS = ('dwpose-pair', 'dwpose-pair-same-start')
#: Groups whose methods all start, per seed, from one draw of this recipe's
#: student and connector, written under each method's own names
#: (:mod:`.shared_start`): DWPoseDistiller, which builds its teacher first,
#: otherwise draws its student from another point of the random stream.
SHARED_STARTS: Dict[str, str] = {
    'dwpose-pair-same-start':
        'configs/benchmark/kd-dwpose-losses-dwpose-init_'
        'simcc-res18-w32_simcc-res18-w16_synthetic-128x96.py',
}

METHODS: List[Method] = [
    Method('ikd.student-alone', 'student alone',
           'configs/ikd/td-hm_res18-w18_synthetic-128x96.py',
           'ikd'),
    Method('ikd.logit', '+ logit',
           'configs/ikd/ikd-logit_hm-res18-w32_hm-res18-w18_'
           'synthetic-128x96.py',
           'ikd'),
    Method('ikd.feature', '+ feature',
           'configs/ikd/ikd-feature_hm-res18-w32_hm-res18-w18_'
           'synthetic-128x96.py',
           'ikd'),
    Method('ikd.keypoint-relation', '+ structure (keypoint relation)',
           'configs/ikd/ikd-keypoint-relation_hm-res18-w32_hm-res18-w18_'
           'synthetic-128x96.py',
           'ikd'),
    Method('ikd.integral', 'integral (all three)',
           'configs/ikd/ikd-integral_hm-res18-w32_hm-res18-w18_'
           'synthetic-128x96.py',
           'ikd'),
    # integral with its weights scheduled otherwise (selections only)
    Method('ikd.integral-logit-decay', 'integral, logit weight 1 -> 0',
           'configs/ikd/ikd-integral-logit-decay_hm-res18-w32_hm-res18-w18_'
           'synthetic-128x96.py',
           'ikd', selected_only=True),
    Method('ikd.integral-rising', 'integral, weights rising to 4x',
           'configs/ikd/ikd-integral-rising_hm-res18-w32_hm-res18-w18_'
           'synthetic-128x96.py',
           'ikd', selected_only=True),
    Method('ikd.integral-bf16-teacher', 'integral, bf16 teacher',
           'configs/ikd/ikd-integral-bf16-teacher_hm-res18-w32_'
           'hm-res18-w18_synthetic-128x96.py',
           'ikd-bf16-teacher'),
    Method('dwpose-pair.student-alone', 'SimCC student alone',
           'configs/benchmark/td-simcc_res18-w16_synthetic-128x96.py',
           'dwpose-pair'),
    Method('dwpose-pair.dwpose-distiller', 'DWPoseDistiller (MMPose)',
           'configs/benchmark/dwpose_simcc-res18-w32_simcc-res18-w16_'
           'synthetic-128x96.py',
           'dwpose-pair'),
    Method('dwpose-pair.mmpose-kd', 'mmpose_kd, DWPose losses',
           'configs/benchmark/kd-dwpose-losses_simcc-res18-w32_'
           'simcc-res18-w16_synthetic-128x96.py',
           'dwpose-pair'),
    # one difference from the recipe above: DWPoseDistiller's teacher BN mode
    Method('dwpose-pair.mmpose-kd-teacher-bn-batch',
           'mmpose_kd, DWPose losses, teacher BN on batch statistics',
           'configs/benchmark/kd-dwpose-losses-teacher-bn-batch_'
           'simcc-res18-w32_simcc-res18-w16_synthetic-128x96.py',
           'dwpose-pair'),
    # and DWPose's connector initialisation too: no difference left
    Method('dwpose-pair.mmpose-kd-dwpose-init',
           'mmpose_kd, DWPose losses, teacher BN and connector init as '
           'DWPose',
           'configs/benchmark/kd-dwpose-losses-dwpose-init_'
           'simcc-res18-w32_simcc-res18-w16_synthetic-128x96.py',
           'dwpose-pair'),
    # the same pair, every method from one draw per seed (SHARED_STARTS)
    Method('dwpose-pair-same-start.student-alone',
           'SimCC student alone, shared start',
           'configs/benchmark/td-simcc_res18-w16_synthetic-128x96.py',
           'dwpose-pair-same-start'),
    Method('dwpose-pair-same-start.dwpose-distiller',
           'DWPoseDistiller (MMPose), shared start',
           'configs/benchmark/dwpose_simcc-res18-w32_simcc-res18-w16_'
           'synthetic-128x96.py',
           'dwpose-pair-same-start'),
    Method('dwpose-pair-same-start.mmpose-kd-dwpose-init',
           'mmpose_kd, DWPose losses and options, shared start',
           'configs/benchmark/kd-dwpose-losses-dwpose-init_'
           'simcc-res18-w32_simcc-res18-w16_synthetic-128x96.py',
           'dwpose-pair-same-start'),
    Method('crd.student-alone', 'regression student alone',
           'configs/quickstart/td-reg_res18-w16_synthetic-128x96.py',
           'crd'),
    Method('crd.ocd', 'OCD (online)',
           'configs/crd/ocd_reg-res18-w16_synthetic-128x96.py',
           'crd'),
    Method('crd.tcd', 'TCD (teacher-aided)',
           'configs/quickstart/tcd_hm-res18-w32_reg-res18-w16_'
           'synthetic-128x96.py',
           'crd'),
    # the main job's distilled student, as an ablation recipe
    Method('crd.tcd-feat', 'TCD + feature',
           'configs/crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_'
           'synthetic-128x96.py',
           'crd', selected_only=True),
    # the downsized head against the full head it is cut from
    Method('crd.full-integral-alone', 'full integral head alone',
           'configs/crd/td-ipr_res18-w16_synthetic-128x96.py',
           'crd'),
    Method('crd.downsized-alone', 'downsized head alone',
           'configs/crd/td-reg_res18-w16-downsized_synthetic-128x96.py',
           'crd'),
    Method('crd.downsized-tcd', 'downsized head + TCD',
           'configs/crd/tcd_hm-res18-w32_reg-res18-w16-downsized_'
           'synthetic-128x96.py',
           'crd', baseline='crd.downsized-alone'),
]
BY_ID: Dict[str, Method] = {m.id: m for m in METHODS}

#: The teacher-budget benchmark (issue #23): the papers' core claims, each
#: student trained as long as its teacher. Every group's student alone
#: comes first; the full integral head alone is what the downsized head +
#: TCD is held against.
TEACHER_BUDGET = (
    'ikd.student-alone', 'ikd.integral',
    'crd.student-alone', 'crd.ocd', 'crd.tcd', 'crd.tcd-feat',
    'crd.full-integral-alone', 'crd.downsized-alone', 'crd.downsized-tcd')
#: IKD at a budget where its head start is outside the seed spread: which
#: term carries it.
IKD_TERMS = ('ikd.student-alone', 'ikd.logit', 'ikd.feature',
             'ikd.keypoint-relation', 'ikd.integral')
#: IKD at the teacher's budget: do weights that change as the student
#: catches up move the end point?
IKD_SCHEDULES = ('ikd.student-alone', 'ikd.integral',
                 'ikd.integral-logit-decay', 'ikd.integral-rising')
#: MMPose's DWPoseDistiller against mmpose_kd's recipe with its losses, as
#: shipped and with DWPose's two design choices (teacher BN on batch
#: statistics, connector init), beside the SimCC student alone; the option
#: measured as no difference at one epoch (teacher BN alone) is left out.
DWPOSE_PAIR = ('dwpose-pair.student-alone', 'dwpose-pair.dwpose-distiller',
               'dwpose-pair.mmpose-kd', 'dwpose-pair.mmpose-kd-dwpose-init')
#: The same comparison from one initial student and connector per seed
#: (:data:`SHARED_STARTS`): paired between the two distillers too.
DWPOSE_PAIR_SAME_START = tuple(
    m.id for m in METHODS if m.group == 'dwpose-pair-same-start')
#: ``benchmark.py --budget ... --selection NAME``: the methods trained.
#: Runs of one budget share their work dirs whatever the selection (a
#: student alone trains once); each selection has its own report.
SELECTIONS: Dict[str, Sequence[str]] = {
    'claims': TEACHER_BUDGET,
    'ikd-terms': IKD_TERMS,
    'ikd-schedules': IKD_SCHEDULES,
    'dwpose-pair': DWPOSE_PAIR,
    'dwpose-pair-same-start': DWPOSE_PAIR_SAME_START,
}
#: ``(method, against)``: differences the budget report gives paired by
#: seed beside the gains over the baselines; only meaningful where both
#: start from the same draw.
PAIRED_COMPARISONS = (
    ('dwpose-pair-same-start.mmpose-kd-dwpose-init',
     'dwpose-pair-same-start.dwpose-distiller'),
)
DEFAULT_SELECTION = 'claims'
#: Groups the teacher budget adds whole when asked for (``--groups``).
TEACHER_BUDGET_ON_REQUEST = ('dwpose-pair', )


def group_methods(group: str) -> List[Method]:
    """The methods a run of ``group`` trains, the student alone (if any)
    first; ``selected_only`` methods are left out."""
    found = [m for m in METHODS if m.group == group]
    if not found:
        raise KeyError(f'unknown benchmark group {group!r}; groups: '
                       f'{", ".join(GROUP_ORDER)}')
    return [m for m in found if not m.selected_only]


def budget_groups(selection: str = DEFAULT_SELECTION) -> List[str]:
    """The groups a budget ``selection`` trains by default, in
    GROUP_ORDER."""
    groups = {BY_ID[i].group for i in SELECTIONS[selection]}
    return [g for g in GROUP_ORDER if g in groups]


def budget_methods(groups: Sequence[str],
                   selection: str = DEFAULT_SELECTION
                   ) -> Dict[str, List[Method]]:
    """``group -> methods`` of a budget ``selection`` for ``groups``: the
    selection's ids of each group; for one of
    :data:`TEACHER_BUDGET_ON_REQUEST` that the selection does not name, the
    whole group; ValueError for any other group."""
    selected = {}
    for group in GROUP_ORDER:
        if group not in groups:
            continue
        selected[group] = [BY_ID[i] for i in SELECTIONS[selection]
                           if BY_ID[i].group == group]
        if not selected[group] and group in TEACHER_BUDGET_ON_REQUEST:
            selected[group] = group_methods(group)
        if not selected[group]:
            raise ValueError(
                f'group {group!r} has no method in the {selection!r} '
                f'selection; its groups: '
                f'{", ".join(budget_groups(selection))}, and on request '
                f'{", ".join(TEACHER_BUDGET_ON_REQUEST)}')
    return selected


def method_id(group: str, label: str) -> Optional[str]:
    """The id of the method shown as ``label`` in ``group`` (results files
    written before ids existed hold labels only), or None."""
    return next((m.id for m in METHODS
                 if m.group == group and m.label == label), None)
