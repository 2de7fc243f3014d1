# The mmpose_kd DWPose-losses recipe with one difference from it: the
# teacher's BN layers normalise with each training batch's statistics
# (teacher_norm='batch') instead of the checkpoint's running ones. That is
# what MMPose's DWPoseDistiller does without saying so: it registers the
# teacher as a submodule, so the runner's model.train() at each epoch puts
# the teacher in train mode. Compared with the two recipes beside it, this
# isolates the teacher's BN mode (docs/benchmark.md, "The DWPose pair").
_base_ = ['./kd-dwpose-losses_simcc-res18-w32_simcc-res18-w16_'
          'synthetic-128x96.py']

model = dict(teacher_norm='batch')
