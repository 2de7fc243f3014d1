"""Pictures of what a distillation run learned: teacher vs student on an
image, and training curves from a work dir's logs."""
from .pair_comparison import compare_teacher_student, head_heatmaps
from .training_curves import plot_training_curves, read_scalars

__all__ = [
    'compare_teacher_student', 'head_heatmaps', 'plot_training_curves',
    'read_scalars'
]
