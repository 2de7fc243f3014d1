# Quick start, step 3 - the student distilled from the teacher: TCD (the
# frozen heatmap teacher's decoded keypoints and heatmaps teach the regression
# student's coordinates) plus IKD feature distillation (the teacher's backbone
# output teaches the student's through a 1x1 conv + BN connector, dropped at
# export). This is the ablation recipe
# crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py; the main job
# uses it rather than plain TCD (quickstart/tcd_...) because TCD's terms reach
# the student only through its 34 regressed numbers, while the feature term
# teaches the whole backbone densely. Measured (README, "The main job,
# measured"): after 8 bf16 epochs, seeds 0/1, AP 0.109/0.123 and PCK
# 0.66/0.65 against the student alone's 0.003/0.006 and 0.44/0.43.
_base_ = ['../crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']
