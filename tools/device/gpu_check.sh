#!/usr/bin/env bash
# On a lent GPU machine, in one call, the checks that need CUDA (docs/gpu.md):
#   env    - torch, CUDA, the GPU, which compatibility shims are active (none
#            should be where the real dependency works);
#   amp    - the main job's student alone and its TCD + feature student, one
#            epoch each through tools/train.py --amp: they train and validate on
#            CUDA, the teacher on the GPU beside the student; seconds per
#            iteration from their logs;
#   steps  - the training-step cost comparison (benchmark_steps --device cuda
#            --amp): distillation overhead and DWPoseDistiller side by side;
#   budget - the teacher-budget benchmark (--budget teacher --device cuda --amp
#            --jobs 8) for whatever time is left, then its partial report.
# Everything it writes lands in $OUT as gpu_check.log and gpu_results.tar.gz.
# Prepare here with tools/device/fetch_wheels.sh, then call the device tool:
#   run(command='bash tools/device/gpu_check.sh', carry=['.whl'], timeout_s=600)
# Knobs: GPU_CHECK_SECONDS (default 560: the script ends its stages by then),
# GPU_CHECK_STAGES (default "env amp steps budget"), GPU_CHECK_SEEDS ("0 1 2"),
# GPU_CHECK_JOBS (8), GPU_CHECK_AMP_SAMPLES (training images of the amp stage;
# default all), GPU_CHECK_PYTHON (python3), GPU_CHECK_INSTALL (1; 0 uses the
# environment as it is, e.g. a rehearsal on a CPU machine).
set -uo pipefail
start=$(date +%s)
limit_s="${GPU_CHECK_SECONDS:-560}"
stages=" ${GPU_CHECK_STAGES:-env amp steps budget} "
out="${OUT:-$PWD/work_dirs/gpu_check}"
scratch="${GPU_CHECK_SCRATCH:-/tmp/gpu_check}"
mkdir -p "$out" "$scratch/results"
exec > >(tee "$out/gpu_check.log") 2>&1
left() { echo $(( limit_s - ($(date +%s) - start) )); }
stage() { echo; echo "== [$(( $(date +%s) - start )) s] $*"; }
want() { [[ "$stages" == *" $1 "* ]]; }
py="${GPU_CHECK_PYTHON:-python3}"
export PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

if [ "${GPU_CHECK_INSTALL:-1}" = 1 ]; then
stage "dependencies"
if [ -d .whl ]; then
    $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
$py -m pip install -q --no-index --no-deps --no-build-isolation -e . || exit 1
fi

if want env; then
    stage "environment"
    $py - <<'PY'
import torch, mmengine, mmcv, mmpose
import mmpose_kd
from mmpose_kd import compat
print('torch', torch.__version__, 'cuda', torch.version.cuda,
      'available', torch.cuda.is_available())
if torch.cuda.is_available():
    print('device', torch.cuda.get_device_name(0), 'bf16',
          torch.cuda.is_bf16_supported())
print('mmengine', mmengine.__version__, 'mmcv', mmcv.__version__,
      'mmpose', mmpose.__version__, 'mmpose_kd', mmpose_kd.__version__)
print('shims and guards applied:', sorted(compat.apply_all()))
PY
fi

if want amp; then
    samples=()
    if [ -n "${GPU_CHECK_AMP_SAMPLES:-}" ]; then
        samples=(train_dataloader.dataset.indices="$GPU_CHECK_AMP_SAMPLES")
    fi
    for config in configs/quickstart/td-reg_res18-w16_synthetic-128x96.py \
                  configs/crd/tcd-ikd-feat_hm-res18-w32_reg-res18-w16_synthetic-128x96.py; do
        name="$(basename "$config" .py)"
        teacher=()
        if [[ "$name" != td-* ]]; then
            teacher=(model.teacher_ckpt=checkpoints/quickstart_teacher_fp16.pth)
        fi
        stage "amp: $name, 1 epoch"
        timeout "$(left)" $py tools/train.py "$config" --amp \
            --work-dir "$scratch/amp/$name" --cfg-options \
            train_cfg.max_epochs=1 train_cfg.val_interval=1 \
            param_scheduler.1.end=1 param_scheduler.1.T_max=1 \
            "${teacher[@]}" "${samples[@]}" \
            > "$scratch/results/amp_$name.log" 2>&1
        echo "exit $?"
        grep -E "Epoch\(val\).*coco/AP|Error" "$scratch/results/amp_$name.log" | tail -2
        # median seconds per iteration (and CUDA peak memory) from its logs
        $py -c 'import json, sys
from benchmark_harness.train_costs import read_train_costs
print(json.dumps(read_train_costs(sys.argv[1])))' "$scratch/amp/$name"
    done
fi

if want steps && [ "$(left)" -gt 60 ]; then
    stage "training-step costs on CUDA with AMP"
    timeout "$(( $(left) - 30 ))" $py tools/analysis/benchmark_steps.py \
        --device cuda --amp --rounds 30 --out "$scratch/results/steps_cuda.json"
    echo "exit $?"
fi

if want budget && [ "$(left)" -gt 90 ]; then
    read -r -a seeds <<< "${GPU_CHECK_SEEDS:-0 1 2}"
    common=(--budget teacher --seeds "${seeds[@]}" --device cuda --amp
            --work-dir "$scratch/bench" --out-dir "$scratch/results/budget")
    stage "teacher budget on CUDA, $(left) s left"
    timeout "$(( $(left) - 40 ))" $py tools/analysis/benchmark.py "${common[@]}" \
        --jobs "${GPU_CHECK_JOBS:-8}" --reuse
    echo "exit $? (124: stopped at the time limit; the report covers what finished)"
    timeout 35 $py tools/analysis/benchmark.py "${common[@]}" --report-only \
        > /dev/null 2>&1
fi

stage "packing"
tar czf "$out/gpu_results.tar.gz" -C "$scratch" --exclude='*.pth' \
    results amp bench 2>/dev/null
ls -la "$out"
