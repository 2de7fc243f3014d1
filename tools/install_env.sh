#!/usr/bin/env bash
# Create (or reuse) a virtual environment with the pinned OpenMMLab stack and install
# mmpose_kd into it. Usage: bash tools/install_env.sh [VENV_DIR] [--tests]
# The order matters: see requirements/*.txt for why each group is installed as it is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$here/.venv}"
with_tests="${2:-}"
py="${PYTHON:-python3.11}"
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
pip="$venv/bin/python -m pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1
$pip install -q -r "$here/requirements/build.txt"
$pip install -q -r "$here/requirements/openmmlab.txt"
$pip install -q --no-build-isolation --no-binary xtcocotools xtcocotools==1.14.3
$pip install -q --no-deps -r "$here/requirements/nodeps.txt"
$pip install -q -r "$here/requirements/runtime.txt"
if [ "$with_tests" = "--tests" ]; then
    $pip install -q -r "$here/requirements/tests.txt"
fi
$pip install -q --no-build-isolation --no-deps "$here"
echo "mmpose_kd environment ready: $venv"
