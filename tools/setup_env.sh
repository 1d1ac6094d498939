#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv and install satsynth-mmseg
# with the pinned OpenMMLab stack.
#
# Order matters (see README "Install notes"):
#   1. setuptools>=77,<81  (torch needs >=77; mmcv's setup.py and mmengine import pkg_resources,
#      which setuptools 81 removed)
#   2. torch==2.13.0       (never a plain `torch`: that resolves to a multi-GB CUDA build)
#   3. mmcv==2.1.0 WITH its C++ ops, built against the torch above with --no-build-isolation.
#      A prebuilt wheel is used when PIP_FIND_LINKS offers one; otherwise pip builds it from
#      source (about 35 minutes on 2 cores).
#   4. the package itself (mmengine, mmsegmentation, diffusers, ...) in editable mode.
# Finally it checks that `mmcv.ops` loads.
#
# Environment knobs:
#   VENV=.venv            where the environment lives
#   PYTHON=python3        interpreter used to create it (3.11 is tested)
#   TORCH_SPEC=torch==2.13.0   e.g. a CUDA build you already use
#   EXTRAS=tests,lint     extras of the package to install ("" for none)
#   MMCV_CXX20=auto|1|0   build mmcv from its source release with -std=c++20 instead of c++17
#                         (needed for CUDA builds against torch >= 2.13; "auto" does it when the
#                         installed torch is a CUDA build)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
EXTRAS=${EXTRAS-tests,lint}
MMCV_CXX20=${MMCV_CXX20:-auto}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

say "build tools: setuptools>=77,<81 wheel"
"${PIP[@]}" install -q --upgrade "pip>=23" "setuptools>=77,<81" wheel

if "$PY" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13') else 1)" 2>/dev/null; then
  say "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
else
  say "installing $TORCH_SPEC"
  "${PIP[@]}" install -q "$TORCH_SPEC"
fi

if "$PY" -c "import mmcv.ops" 2>/dev/null; then
  say "mmcv $("$PY" -c 'import mmcv; print(mmcv.__version__)') with ops already installed"
else
  # mmcv's build needs these importable *before* its setup.py runs (no build isolation).
  "${PIP[@]}" install -q "numpy>=2,<3" "opencv-python>=4.8,<5" packaging pyyaml addict yapf ninja psutil
  if [ "$MMCV_CXX20" = auto ]; then
    MMCV_CXX20=$("$PY" -c "import torch; print(1 if torch.version.cuda else 0)")
  fi
  if [ "$MMCV_CXX20" = 1 ]; then
    # mmcv 2.1.0's setup.py hard-codes -std=c++17; torch >= 2.13 headers need C++20 under nvcc.
    src=$(mktemp -d)
    say "building mmcv==2.1.0 from source with -std=c++20 (CUDA torch) in $src"
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==2.1.0" -d "$src"
    tar -xzf "$src"/mmcv-2.1.0.tar.gz -C "$src"
    sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-2.1.0/setup.py
    MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-1} "${PIP[@]}" install --no-build-isolation "$src"/mmcv-2.1.0
  else
    say "installing mmcv==2.1.0 with ops (wheel from PIP_FIND_LINKS if offered, else a ~35 min source build)"
    MMCV_WITH_OPS=1 "${PIP[@]}" install --no-build-isolation "mmcv==2.1.0"
  fi
fi

spec="."
[ -n "$EXTRAS" ] && spec=".[${EXTRAS}]"
say "installing satsynth-mmseg ($spec) in editable mode"
"${PIP[@]}" install -q --no-build-isolation -e "$spec"

say "checking mmcv.ops"
if ! "$PY" -c "import mmcv.ops" ; then
  cat >&2 <<'MSG'
[setup] ERROR: mmcv is installed without its compiled ops (`import mmcv.ops` fails).
  mmsegmentation needs them. Rebuild it against the installed torch:
      .venv/bin/pip uninstall -y mmcv mmcv-lite
      MMCV_WITH_OPS=1 .venv/bin/pip install --no-build-isolation --no-cache-dir "mmcv==2.1.0"
  Build isolation (pip's default) silently produces a build without ops; setuptools must be
  >=77,<81. For CUDA builds with torch >= 2.13 see README "Install notes" (C++20).
MSG
  exit 1
fi
"$PY" - <<'PY'
import torch, mmcv, mmengine, mmseg, satsynth_mmseg
print(f"[setup] OK: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), "
      f"mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, "
      f"satsynth_mmseg {satsynth_mmseg.__version__}")
PY
