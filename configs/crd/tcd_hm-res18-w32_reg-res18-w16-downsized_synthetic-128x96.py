# Downsized head + TCD: the student of td-reg_res18-w16-downsized_synthetic-
# 128x96.py (integral head cut to one 16-channel deconv) taught by the frozen
# quick-start heatmap teacher - whose head is the full head's architecture on
# a wider backbone - with the TCD losses of the quick-start recipe.
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    student='mmpose_kd::crd/td-reg_res18-w16-downsized_synthetic-128x96.py',
    # IntegralRegressionHead returns (coords, heatmaps): the losses take the
    # coordinates.
    distill_losses=dict(
        loss_coord=dict(student_input='preds[0]'),
        loss_heatmap=dict(student_input='preds[0]')))
