#!/usr/bin/env bash
# Run the test suite: bash tools/run_tests.sh [pytest args, default: tests]
# Uses the environment in VENV (default: <repo>/.venv) and creates it first with
# tools/install_env.sh (pinned stack + pytest) when it cannot import the stack.
# The data-dependent tests use the tiny real COCO set at
# <repo>/../shared/data/coco_tiny when it is there; without it they run on a
# stand-in generated once per session (tests/coco_tiny.py), except under
# CI=true, where a missing set fails them.
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
