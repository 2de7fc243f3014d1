# OCD ablation: the coordinate loss weights keypoints by visibility only, not
# also by the heatmap branch's peak confidence.
_base_ = ['./ocd_reg-res18-w16_synthetic-128x96.py']

model = dict(head=dict(coord_distill=dict(use_confidence=False)))
