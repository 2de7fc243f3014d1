#!/usr/bin/env bash
# Multi-process evaluation with torchrun (python -m torch.distributed.run).
# Usage: bash tools/dist_test.sh CONFIG CHECKPOINT NPROC_PER_NODE [test.py flags]
# Env: see tools/dist_launch.sh (NNODES, NODE_RANK, PORT, MASTER_ADDR, PYTHON).
set -euo pipefail
if [ "$#" -lt 3 ]; then
    echo "usage: bash $0 CONFIG CHECKPOINT NPROC_PER_NODE [test.py flags]" >&2
    exit 2
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_launch.sh" test.py "$3" \
    "$1" "$2" --launcher pytorch "${@:4}"
