#!/usr/bin/env bash
# Multi-process training with torchrun (python -m torch.distributed.run).
# Usage: bash tools/dist_train.sh CONFIG NPROC_PER_NODE [tools/train.py flags]
# Env: see tools/dist_launch.sh (NNODES, NODE_RANK, PORT, MASTER_ADDR, PYTHON).
set -euo pipefail
if [ "$#" -lt 2 ]; then
    echo "usage: bash $0 CONFIG NPROC_PER_NODE [train.py flags]" >&2
    exit 2
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_launch.sh" train.py "$2" \
    "$1" --launcher pytorch "${@:3}"
