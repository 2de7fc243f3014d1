#!/usr/bin/env bash
# Run the test suite: bash tools/run_tests.sh [pytest args, default: tests]
# Uses the environment in VENV (default: <repo>/.venv) and creates it first with
# tools/install_env.sh (pinned stack + pytest) when it cannot import the stack.
# The tests need the tiny COCO set at <repo>/../shared/data/coco_tiny; without
# it they skip locally and fail under CI=true.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$repo/.venv}"
if ! "$venv/bin/python" -c "import mmpose, mim, pytest" >/dev/null 2>&1; then
    bash "$repo/tools/install_env.sh" "$venv" --tests
fi
cd "$repo"
if [ "$#" -eq 0 ]; then
    set -- tests
fi
exec "$venv/bin/python" -m pytest -q "$@"
