# A short Adam schedule for the default data on CPU (minutes, not days).
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=25)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=20, start_factor=0.1, by_epoch=False),
    dict(type='CosineAnnealingLR', T_max=50, eta_min=1e-5, by_epoch=True,
         begin=0, end=50, convert_to_iter_based=True),
]
