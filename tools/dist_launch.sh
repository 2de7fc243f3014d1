#!/usr/bin/env bash
# Shared torchrun launcher of dist_train.sh and dist_test.sh:
#   bash tools/dist_launch.sh SCRIPT NPROC_PER_NODE [SCRIPT args]
# runs tools/SCRIPT on NPROC_PER_NODE processes (callers pass
# --launcher pytorch among the SCRIPT args, before any nargs='+' flag).
# Env: NNODES (1), NODE_RANK (0), PORT (29500), MASTER_ADDR (127.0.0.1),
#      PYTHON (python). Without CUDA the processes use gloo on CPU.
set -euo pipefail
SCRIPT=$1
NPROC=$2
tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON=${PYTHON:-python}

PYTHONPATH="$tools_dir/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" \
    "$tools_dir/$SCRIPT" \
    "${@:3}"
