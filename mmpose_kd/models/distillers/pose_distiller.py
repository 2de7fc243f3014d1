"""The generic student/teacher wrapper every distillation method builds on.

Helpers live beside it: :mod:`.distill_loss_builder` (one
``distill_losses`` entry: the loss and where it reads its inputs,
:mod:`.loss_routes`), :mod:`.cached_teacher` (the teacher's targets read
from a teacher cache instead) and :mod:`.finite_check` (what a NaN/Inf loss
does); below it, :mod:`mmpose_kd.model_parts` (the student and teacher
configs, their compatibility, loading and running the frozen teacher).
"""
from typing import Dict, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel
from torch import Tensor

from mmpose_kd.model_parts.model_config import (build_model_part,
                                                 resolve_model_cfg)
from mmpose_kd.model_parts.teacher import (TEACHER_DTYPES,
                                           build_frozen_teacher, run_teacher)
from mmpose_kd.registry import MODELS
from mmpose_kd.utils.output_recorder import record_outputs
from mmpose_kd.utils.precision import as_float32, float32_region
from mmpose_kd.utils.validation import (check_choice,
                                        check_non_negative_number)
from .cached_teacher import CachedTeacher
from .distill_loss_builder import build_distill_loss
from .finite_check import (check_finite_mode, raise_if_not_finite,
                           train_step_skipping_nonfinite)
from .loss_routes import gather_keypoint_weights


#: ``teacher_norm``: the checkpoint's running statistics, or each batch's.
TEACHER_NORMS = ('running', 'batch')
#: The warning for a live teacher built without weights (tools that build a
#: distiller only to count it filter it by this text).
RANDOM_TEACHER_WARNING = ('PoseDistiller: teacher_ckpt=None, so the teacher '
                          'keeps its random initialisation.')


@MODELS.register_module()
class PoseDistiller(BaseModel):
    """Train an MMPose student with a frozen MMPose teacher.

    The teacher is kept out of the module tree: it is not in ``parameters()``
    (hence never in the optimizer), not in ``state_dict()`` (runner
    checkpoints hold the student and the trainable parts of the losses),
    not touched by ``init_weights`` and, by default, never switched to train
    mode, so its BN statistics cannot drift (``teacher_norm``). It runs
    ``extract_feat`` + ``head.forward`` under ``no_grad``, without training
    targets. ``predict``/``tensor`` run
    the student, so MMPose's evaluators measure the student.

    Args:
        student (dict | str): Student model dict, or a config file path
            (``mmpose::`` paths included) whose ``model`` is used.
        teacher (dict | str): Teacher model, in the same forms.
        teacher_ckpt (str | None): Teacher checkpoint: a local file, an
            ``http(s)://`` URL or an MMEngine model-zoo name (downloaded
            once into the torch hub cache and hash-checked,
            docs/checkpoints.md), loaded once here without executing code
            from the file. Required, so that a config that lost it stops
            instead of distilling from a random teacher: ``None`` says so
            on purpose (the teacher keeps its random initialisation; for
            tests and timing, or with ``teacher_cache``).
        teacher_ckpt_allow_unsafe (bool): Fully unpickle the teacher
            checkpoint. Only for trusted files. Defaults to False.
        distill_losses (dict): ``name -> loss config``. Each name must
            contain ``'loss'``. Besides its own arguments each config takes
            ``student_input`` and ``teacher_input``: ``'preds'`` (the head's
            whole output, e.g. heatmaps or SimCC's ``(x, y)`` pair) or a
            module path such as ``'backbone'``, ``'neck'`` or
            ``'head.deconv_layers'``, optionally with an output index
            (``'backbone[-1]'``; multi-output modules default to the last).
        student_loss_weight (float): Multiplier of the student's own task
            losses. Defaults to 1.0.
        eval_teacher (bool): ``predict`` runs the teacher instead, to
            measure it with the same evaluator. Defaults to False.
        check_finite (bool | str): What a NaN/Inf loss term does.
            ``True``/``'raise'``: stop with an error naming the term and the
            iteration, before the optimizer step. ``'skip'``: warn naming
            them, drop that step (no backward, no optimizer update) and count
            it in the log as ``nonfinite_skips`` (BN statistics of the
            dropped forward are restored); single-process only.
            ``False``: no check. Costs one host sync per step.
            Defaults to True.
        teacher_dtype (str): Precision of the teacher's forward.
            ``'auto'`` (default) follows the training's: bfloat16 under
            ``CPUAmpOptimWrapper``, the AMP dtype under ``AmpOptimWrapper``,
            float32 otherwise. ``'float32'`` keeps the teacher in float32
            even then; ``'bfloat16'``/``'float16'`` autocast it on the
            input's device whatever the student does. Outputs are cast
            back to float32 before the losses, which always run in float32
            (docs/precision.md).
        teacher_channels_last (bool): Run the teacher in channels-last
            memory format. Defaults to False.
        teacher_norm (str): How the teacher's normalisation layers run
            while the student trains. ``'running'`` (default): eval mode,
            the checkpoint's running statistics, never changed.
            ``'batch'``: train mode, as MMPose's DWPoseDistiller leaves its
            teacher (the runner's ``model.train()`` reaches it): BN
            normalises with each batch's statistics and updates the
            teacher's running ones (they are not saved; a resumed run
            starts again from the checkpoint's). Validation and
            ``eval_teacher`` always run it in eval mode. Not with
            ``teacher_cache``, whose targets were computed in eval mode.
        teacher_cache (dict, optional): ``dict(dir=CACHE_DIR)``: never build
            or run the teacher; read its outputs from a teacher cache
            (``tools/build_teacher_cache.py``) that the training pipeline
            replays (docs/teacher_cache.md). The cache must have been built
            from ``teacher`` (and ``teacher_ckpt``, when set); losses that
            need teacher features are refused. ``predict``/``tensor`` and
            ``eval_teacher`` need the live teacher. Defaults to None.
        data_preprocessor (dict, optional): Defaults to the student's.
        init_cfg (dict, optional): Initialisation of the student/losses.

    Note:
        Log keys are namespaced: ``student.<key>`` for the student's own
        outputs and ``distill.<name>`` for each distillation loss.
    """

    def __init__(self,
                 student: Union[dict, str],
                 teacher: Union[dict, str],
                 teacher_ckpt: Optional[str],
                 teacher_ckpt_allow_unsafe: bool = False,
                 distill_losses: Optional[Dict[str, dict]] = None,
                 student_loss_weight: float = 1.0,
                 eval_teacher: bool = False,
                 check_finite: Union[bool, str] = True,
                 teacher_dtype: str = 'auto',
                 teacher_channels_last: bool = False,
                 teacher_norm: str = 'running',
                 teacher_cache: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        self.student_cfg = resolve_model_cfg(student, 'student')
        teacher_cfg = resolve_model_cfg(teacher, 'teacher')
        if data_preprocessor is None:
            data_preprocessor = self.student_cfg.get('data_preprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.teacher_norm = check_choice('PoseDistiller', 'teacher_norm',
                                         teacher_norm, TEACHER_NORMS)
        if teacher_norm == 'batch' and teacher_cache is not None:
            raise ValueError(
                "PoseDistiller: `teacher_norm='batch'` runs the live "
                "teacher in train mode; a `teacher_cache` holds targets "
                "computed in eval mode. Use one or the other.")

        self.student = build_model_part(self.student_cfg, 'student', MODELS)
        # Everything else is built under a forked RNG, so the student's
        # initial weights (drawn when the runner initialises the student,
        # the first child) are those of the student-alone run with the same
        # seed: a distillation run and its baseline start from one student.
        with torch.random.fork_rng(devices=[]):
            self._build_rest(teacher_cfg, teacher_ckpt,
                             teacher_ckpt_allow_unsafe, distill_losses,
                             student_loss_weight, eval_teacher,
                             check_finite, teacher_dtype,
                             teacher_channels_last, teacher_cache)

    def _build_rest(self, teacher_cfg, teacher_ckpt,
                    teacher_ckpt_allow_unsafe, distill_losses,
                    student_loss_weight, eval_teacher, check_finite,
                    teacher_dtype, teacher_channels_last,
                    teacher_cache) -> None:
        """Build the teacher and the distillation losses (see __init__)."""
        # The teacher's own init_cfg (often a download URL) is never used:
        # its weights come from `teacher_ckpt`.
        teacher_cfg.pop('init_cfg', None)
        self.cached_teacher, teacher_model = None, None
        if teacher_cache is not None:
            if eval_teacher:
                raise ValueError('`eval_teacher=True` needs the live '
                                 'teacher; it cannot be combined with '
                                 '`teacher_cache`.')
            self.cached_teacher = CachedTeacher(teacher_cache, teacher_cfg,
                                                teacher_ckpt, self.student)
        if teacher_dtype not in TEACHER_DTYPES:
            raise ValueError(f'`teacher_dtype` must be one of '
                             f'{sorted(TEACHER_DTYPES)}, got {teacher_dtype!r}.')
        self.teacher_dtype = TEACHER_DTYPES[teacher_dtype]
        self.teacher_channels_last = bool(teacher_channels_last)
        if teacher_cache is None:
            if teacher_ckpt is None:
                print_log(RANDOM_TEACHER_WARNING, logger='current',
                          level=30)
            teacher_model = build_frozen_teacher(
                build_model_part(teacher_cfg, 'teacher', MODELS),
                self.student, teacher_ckpt, teacher_ckpt_allow_unsafe,
                self.teacher_channels_last)
        # Stored outside nn.Module's registries on purpose (see class doc).
        self.__dict__['teacher'] = teacher_model
        self.teacher_ckpt = teacher_ckpt

        self.student_loss_weight = check_non_negative_number(
            'PoseDistiller', 'student_loss_weight', student_loss_weight)
        self.eval_teacher = eval_teacher
        self.check_finite = check_finite
        self.nonfinite_skips = 0
        self.distill_losses = torch.nn.ModuleDict()
        #: ``name -> {'student': LossRoute, 'teacher': LossRoute}``.
        self.loss_routes = {}
        for name, cfg in (distill_losses or {}).items():
            self.distill_losses[name], self.loss_routes[name] = \
                build_distill_loss(name, cfg, self.student, self.teacher,
                                   self.cached_teacher)

    @property
    def check_finite(self) -> str:
        return self._check_finite

    @check_finite.setter
    def check_finite(self, value) -> None:
        self._check_finite = check_finite_mode(value)

    def init_weights(self) -> None:
        """Initialise the student, then the losses' connectors that set an
        ``init_cfg`` (under a forked RNG: the run's random stream stays that
        of the student-alone run)."""
        super().init_weights()
        with torch.random.fork_rng(devices=[]):
            for loss in self.distill_losses.values():
                if hasattr(loss, 'init_weights'):
                    loss.init_weights()

    # ---------------------------------------------------------- module state
    @property
    def teacher(self):
        return self.__dict__['teacher']

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        if self.teacher is not None:
            self.teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        if self.teacher is not None:
            self.teacher.train(mode and self.teacher_norm == 'batch')
        return self

    def student_state_dict(self) -> dict:
        """The student's weights, keyed as a plain MMPose model's."""
        return self.student.state_dict()

    # --------------------------------------------------------------- forward
    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        model = self.teacher if self.eval_teacher else self.student
        return model(inputs, data_samples, mode=mode)

    def _taps(self, role: str) -> Dict[str, torch.nn.Module]:
        model = self.student if role == 'student' else self.teacher
        return {routes[role].module: model.get_submodule(routes[role].module)
                for routes in self.loss_routes.values()}

    def teacher_outputs(self, inputs: Tensor) -> Dict[str, object]:
        """Run the frozen teacher once; return the tapped outputs by path."""
        return run_teacher(self.teacher, inputs, self._taps('teacher'),
                           self.teacher_dtype, self.teacher_channels_last)

    def loss(self, inputs: Tensor, data_samples) -> Dict[str, Tensor]:
        if self.cached_teacher is not None:
            teacher_records = self.cached_teacher.outputs(
                data_samples, inputs.device)
        else:
            teacher_records = self.teacher_outputs(inputs)
        with record_outputs(self._taps('student')) as student_records:
            student_losses = self.student.loss(inputs, data_samples)
        losses = {}
        for key, value in student_losses.items():
            if 'loss' in key and self.student_loss_weight != 1.0:
                value = value * self.student_loss_weight
            losses[f'student.{key}'] = value
        keypoint_weights = gather_keypoint_weights(data_samples)
        for name, loss_module in self.distill_losses.items():
            routes = self.loss_routes[name]
            student = routes['student'].pick(student_records, 'student')
            teacher = routes['teacher'].pick(teacher_records, 'teacher')
            try:
                with float32_region(inputs.device.type):
                    losses[f'distill.{name}'] = loss_module(
                        as_float32(student), as_float32(teacher),
                        keypoint_weights=keypoint_weights)
            except (ValueError, TypeError, IndexError) as error:
                raise type(error)(
                    f'`distill_losses.{name}` (student_input='
                    f'{str(routes["student"])!r}, teacher_input='
                    f'{str(routes["teacher"])!r}): {error}') from error
        if self.check_finite == 'raise':
            raise_if_not_finite(losses)
        return losses

    def train_step(self, data, optim_wrapper) -> Dict[str, Tensor]:
        """MMEngine's train step, except that in ``check_finite='skip'``
        mode a step whose loss is not finite is dropped before backward
        (:func:`.finite_check.train_step_skipping_nonfinite`)."""
        if self.check_finite != 'skip':
            return super().train_step(data, optim_wrapper)
        return train_step_skipping_nonfinite(self, data, optim_wrapper)
