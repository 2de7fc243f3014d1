# Quick start, step 3 - the student distilled from the teacher: TCD (the
# frozen heatmap teacher's decoded keypoints and heatmaps teach the regression
# student's coordinates) plus IKD feature distillation (the teacher's backbone
# output teaches the student's through a 1x1 conv + BN connector, dropped at
# export). This is the ablation recipe
# crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py; the main job
# uses it rather than plain TCD (quickstart/tcd_...) because TCD's terms reach
# the student only through its 34 regressed numbers, while the feature term
# teaches the whole backbone densely: after 3 epochs (seed 0) TCD gave AP
# 0.0014 / PCK 0.33 and TCD + feature AP 0.027 / PCK 0.51, against the
# student alone's 0.0002 / 0.27 (README, "The main job, measured").
_base_ = ['../crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']
