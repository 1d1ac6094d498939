#!/usr/bin/env bash
# The set-up a CPU-only user meets: a fresh virtual environment given PyPI's torch==2.13.0
# (the CUDA build, with its CUDA packages), then tools/setup_env.sh. It must end with working
# mmcv.ops built for the CPU, also on a machine that has a CUDA toolkit but no GPU. The pip
# configuration of this machine (local wheels, constraints) is switched off, and no prebuilt
# mmcv wheel is offered, so mmcv is built from source as on a user's machine (~35 minutes on
# 2 cores). Writes its log to $LOG (default /tmp/check_setup_cuda_torch.log).
#   bash tools/check_setup_cuda_torch.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-/tmp/satsynth-cuda-torch-venv}
LOG=${LOG:-/tmp/check_setup_cuda_torch.log}
rm -rf "$VENV"
{
  echo "[check] $(date -u +%FT%TZ) fresh venv $VENV; nvcc: $(command -v nvcc || echo none); GPU: $(nvidia-smi -L 2>/dev/null | head -1 || true)"
  python3 -m venv "$VENV"
  # as on a user's machine: the default index only (no local wheels, no constraints)
  export PIP_CONFIG_FILE=/dev/null
  unset PIP_FIND_LINKS PIP_CONSTRAINT
  "$VENV/bin/python" -m pip install -q --upgrade "pip>=23" "setuptools>=77,<81" wheel
  t0=$(date +%s)
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  echo "[check] torch from the default index: $("$VENV/bin/python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())') ($(( $(date +%s) - t0 )) s)"
  t0=$(date +%s)
  VENV="$VENV" EXTRAS="" bash tools/setup_env.sh
  echo "[check] tools/setup_env.sh: $(( $(date +%s) - t0 )) s"
  "$VENV/bin/python" - <<'PY'
import torch
import mmcv.ops
from mmcv.ops import nms
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)[1]
print(f'[check] OK: mmcv.ops imports and runs on the CPU (nms kept {keep.tolist()}) with '
      f'torch {torch.__version__} (CUDA {torch.version.cuda})')
PY
} 2>&1 | tee "$LOG"
