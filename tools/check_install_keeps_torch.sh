#!/usr/bin/env bash
# Adding the plugin to an existing environment keeps its torch: a fresh venv with another
# torch than the tested one (default 2.12.0, from the default index) and mmcv 2.1.0, then
# `pip install --no-build-isolation -e .`; fails unless torch and mmcv are unchanged after.
# mmcv comes from PIP_FIND_LINKS when a wheel is offered there (its ops are not imported
# here: this checks what pip installs, not the ops). Writes its log to $LOG.
#   bash tools/check_install_keeps_torch.sh [TORCH_VERSION] [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
TORCH=${1:-2.12.0}
VENV=${2:-/tmp/satsynth-existing-env}
LOG=${LOG:-/tmp/check_install_keeps_torch.log}
rm -rf "$VENV"
{
  python3 -m venv "$VENV"
  PY="$VENV/bin/python"
  links=${PIP_FIND_LINKS:-}
  export PIP_CONFIG_FILE=/dev/null  # the default index, as on a user's machine
  unset PIP_FIND_LINKS PIP_CONSTRAINT
  "$PY" -m pip install -q --upgrade "pip>=23" "setuptools>=77,<81" wheel
  "$PY" -m pip install -q "torch==$TORCH" "numpy>=2,<3" "opencv-python>=4.8,<5" packaging pyyaml addict yapf
  PIP_FIND_LINKS="$links" MMCV_WITH_OPS=1 "$PY" -m pip install -q --no-build-isolation "mmcv==2.1.0"
  before=$("$PY" -m pip show torch mmcv | grep -E '^(Name|Version)' | paste -sd' ')
  echo "[check] before: $before"
  "$PY" -m pip install -q --no-build-isolation -e .
  after=$("$PY" -m pip show torch mmcv | grep -E '^(Name|Version)' | paste -sd' ')
  echo "[check] after pip install -e .: $after"
  if [ "$before" != "$after" ]; then echo "[check] FAILED: pip replaced torch or mmcv"; exit 1; fi
  echo "[check] OK: the existing torch $TORCH and mmcv 2.1.0 were kept"
} 2>&1 | tee "$LOG"
