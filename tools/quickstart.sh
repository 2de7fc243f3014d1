#!/usr/bin/env bash
# The main job from a fresh machine: install the pinned stack into .venv (if it
# is not there yet), then train the teacher, the student alone and the
# distilled student on the generated default data and print their COCO APs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$repo/.venv}"
if ! "$venv/bin/python" -c "import mmpose, mmpose_kd" >/dev/null 2>&1; then
    bash "$repo/tools/install_env.sh" "$venv"
fi
cd "$repo"
exec "$venv/bin/python" tools/quickstart.py "$@"
