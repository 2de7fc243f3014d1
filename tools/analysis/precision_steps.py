"""Training-step cost in float32, bfloat16 and bfloat16 + channels-last;
see ``benchmark_harness/precision_steps.py`` or ``--help``."""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

from mmpose_kd.cli.checkout import harness_main  # noqa: E402

main = harness_main('precision_steps', 'tools/analysis/precision_steps.py')

if __name__ == '__main__':
    main()
