"""Config fuzzer: seeded mutations of every shipped config, each run as a
user runs it; see ``benchmark_harness/fuzz_configs.py`` or ``--help``."""
import os.path as osp
import sys

# The same two lines in every tool (docs/design.md, "Tools"): from a checkout
# its packages come first; installed (mmpose_kd/.mim/tools) nothing is added.
_ROOT = osp.abspath(__file__).rsplit(osp.sep + 'tools' + osp.sep, 1)[0]
sys.path[:0] = [_ROOT] if osp.isdir(osp.join(_ROOT, 'mmpose_kd')) else []

from mmpose_kd.cli.checkout import harness_main  # noqa: E402

main = harness_main('fuzz_configs', 'tools/analysis/fuzz_configs.py')

if __name__ == '__main__':
    main()
