#!/usr/bin/env bash
# Here, on a machine with the package registries: the wheels a GPU machine
# without internet needs to run mmpose_kd beside its own torch (Python 3.12,
# x86_64), into .whl/ (git-ignored). That machine already has torch, numpy,
# scipy, opencv, matplotlib, pycocotools' build tools and pytest; the
# OpenMMLab stack and its small pure-Python dependencies travel. xtcocotools
# has no cp312 wheel on PyPI, so it is built here with python3.12.
# Usage: bash tools/device/fetch_wheels.sh [DEST]   (docs/gpu.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${1:-$here/.whl}"
mkdir -p "$dest"
pin() { grep -h "^$1==" "$here"/requirements/*.txt | head -1; }
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 \
         manylinux2014_x86_64 manylinux1_x86_64; do
    platforms+=(--platform "$p")
done
export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp "${platforms[@]}" -d "$dest" \
    "$(pin mmengine)" "$(pin mmcv-lite)" "$(pin mmpose)" "$(pin mmdet)" \
    "$(pin json-tricks)" "$(pin munkres)" "$(pin terminaltables)" \
    "$(pin shapely)" "$(pin pycocotools)" "$(pin model-index)" \
    addict yapf termcolor platformdirs
# pinned where tools/install_env.sh builds it from source
xtcocotools="$(grep -o 'xtcocotools==[0-9.]*' "$here/tools/install_env.sh")"
py312="${PYTHON312:-python3.12}"  # e.g. PYENV_VERSION=3.12.1 where pyenv hides it
if ! ls "$dest"/xtcocotools-*-cp312-*.whl >/dev/null 2>&1; then
    # its setup.py imports numpy: build in a scratch venv that has it
    build="$(mktemp -d)"
    "$py312" -m venv "$build/venv"
    "$build/venv/bin/python" -m pip install -q "$(pin numpy)" "$(pin cython)" \
        "$(pin setuptools)" "$(pin wheel)"
    "$build/venv/bin/python" -m pip wheel -q --no-deps --no-build-isolation \
        -w "$dest" "$xtcocotools"
    rm -rf "$build"
fi
du -sh "$dest"
echo "wheels for the GPU machine in $dest (carry it: run(carry=['.whl']))"
