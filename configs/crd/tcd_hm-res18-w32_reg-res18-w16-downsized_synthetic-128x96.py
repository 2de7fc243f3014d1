# Downsized head + TCD: the student of td-reg_res18-w16-downsized_synthetic-
# 64x48.py taught by the frozen quick-start heatmap teacher with the TCD
# losses of the quick-start recipe.
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    student='mmpose_kd::crd/td-reg_res18-w16-downsized_synthetic-128x96.py')
