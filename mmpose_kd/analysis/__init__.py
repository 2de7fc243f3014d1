"""Analysis as library functions (no argument parsing): model complexity
(:mod:`.complexity`) and the gradient balance of loss terms
(:mod:`.loss_balance`). Pictures are in :mod:`mmpose_kd.visualization`."""
