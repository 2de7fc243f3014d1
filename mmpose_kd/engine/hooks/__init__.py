from .channels_last_hook import ChannelsLastHook
from .distill_loss_weight_hook import DistillLossWeightHook
from .loss_balance_hook import LossBalanceHook
from .resume_validation_hook import ResumeValidationHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .student_checkpoint_hook import StudentCheckpointHook
from .teacher_cache_hook import TeacherCacheHook
from .weight_schedules import schedule_factor

__all__ = [
    'ChannelsLastHook', 'DistillLossWeightHook', 'LossBalanceHook',
    'ResumeValidationHook', 'SafeCheckpointHook', 'StudentCheckpointHook',
    'TeacherCacheHook', 'schedule_factor'
]
