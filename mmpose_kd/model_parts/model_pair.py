"""Checks that a student and a teacher can be distilled into one another.

The teacher sees the student's preprocessed images and its outputs are
compared keypoint by keypoint, so both must predict the same keypoints and
normalise images alike. Each mismatch is an error naming both values.
"""
from typing import Optional

import torch
from torch import Tensor, nn

#: Attributes MMPose's heads keep their keypoint count in.
KEYPOINT_COUNT_ATTRS = ('num_joints', 'num_keypoints', 'out_channels')
#: Sub-heads a composite head predicts through (CrossRepresentationHead's
#: deployed ``regression`` branch).
DEPLOYED_BRANCHES = ('regression', )


def keypoint_count(head: nn.Module) -> Optional[int]:
    """Keypoint count a head predicts, or None where it cannot be read.

    Covers every head this project ships or configures: MMPose's
    ``HeatmapHead``/``SimCCHead`` (``out_channels``), ``RegressionHead``/
    ``RLEHead`` and :class:`~mmpose_kd.models.heads.DownsizedRegressionHead`
    (``num_joints``), and
    :class:`~mmpose_kd.models.heads.CrossRepresentationHead` (its
    ``regression`` branch's).
    """
    for attr in KEYPOINT_COUNT_ATTRS:
        value = getattr(head, attr, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    for branch in DEPLOYED_BRANCHES:
        sub_head = getattr(head, branch, None)
        if isinstance(sub_head, nn.Module):
            return keypoint_count(sub_head)
    return None


def check_pair(student: nn.Module, teacher: nn.Module) -> None:
    """Raise where ``student`` and ``teacher`` cannot be paired."""
    for role, model in (('student', student), ('teacher', teacher)):
        if not hasattr(model, 'extract_feat') or not hasattr(model, 'head'):
            raise TypeError(
                f'`{role}` must be an MMPose pose estimator with '
                f'`extract_feat` and `head` (e.g. TopdownPoseEstimator), '
                f'got {type(model).__name__}.')
    counts = {role: keypoint_count(model.head)
              for role, model in (('student', student), ('teacher', teacher))}
    missing = [role for role, count in counts.items() if count is None]
    if missing:
        from mmengine.logging import print_log
        print_log(
            f'keypoint counts not checked: cannot read how many keypoints '
            f'the {" and ".join(missing)} head predicts '
            f'({", ".join(type(m.head).__name__ for m in (student, teacher))}'
            ').', logger='current', level=30)
    elif counts['student'] != counts['teacher']:
        raise ValueError(
            f'student and teacher predict different keypoint counts: '
            f'student.head has {counts["student"]}, teacher.head has '
            f'{counts["teacher"]}. Both must be trained on the same '
            'keypoints.')
    _check_preprocessing(student.data_preprocessor,
                         teacher.data_preprocessor)


def _check_preprocessing(student, teacher) -> None:
    for attr in ('mean', 'std'):
        s_value = getattr(student, attr, None)
        t_value = getattr(teacher, attr, None)
        if isinstance(s_value, Tensor) and isinstance(t_value, Tensor) \
                and not torch.equal(s_value, t_value):
            raise ValueError(
                f'student and teacher normalise inputs differently '
                f'(data_preprocessor.{attr}: {s_value.flatten().tolist()}'
                f' vs {t_value.flatten().tolist()}); the teacher sees the '
                'student\'s preprocessed images, so they must match.')
    s_swap = getattr(student, '_channel_conversion', None)
    t_swap = getattr(teacher, '_channel_conversion', None)
    if None not in (s_swap, t_swap) and bool(s_swap) != bool(t_swap):
        raise ValueError(
            'student and teacher order colour channels differently '
            f'(data_preprocessor.bgr_to_rgb: {bool(s_swap)} vs '
            f'{bool(t_swap)}); the teacher sees the student\'s '
            'preprocessed images, so they must match.')
