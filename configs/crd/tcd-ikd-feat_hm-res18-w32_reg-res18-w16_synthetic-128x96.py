# TCD + IKD feature distillation: besides the two TCD losses, the student's
# backbone output (128 channels, 8x6) is mapped by a trained 1x1 conv + BN
# connector to the teacher's 256 channels and matched to the teacher's
# backbone output (normalised MSE). The connector is dropped at export.
# Weight 0.4: the term reaches only the backbone, where it pulls 6.7x the task
# loss at init and 1.6x by iteration 20 per unit weight (docs/crd.md).
_base_ = ['../quickstart/tcd_hm-res18-w32_reg-res18-w16_synthetic-128x96.py']

model = dict(
    distill_losses=dict(
        loss_feat=dict(
            type='FeatureDistillLoss',
            student_input='backbone',
            teacher_input='backbone',
            connector=dict(
                type='ConvBNConnector', in_channels=128, out_channels=256),
            loss_weight=0.4)))
