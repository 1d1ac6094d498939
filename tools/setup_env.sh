#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv and install satsynth-mmseg
# with the pinned OpenMMLab stack.
#
# Order matters (see README "Install notes"):
#   1. setuptools>=77,<81  (torch needs >=77; mmcv's setup.py and mmengine import pkg_resources,
#      which setuptools 81 removed)
#   2. torch==2.13.0       (PyPI's torch==2.13.0 is the CUDA build on Linux, several GB with its
#      CUDA packages; TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu asks for the CPU one)
#   3. mmcv==2.1.0 WITH its C++ ops, built against the torch above with --no-build-isolation.
#      The build mode follows the machine, not the torch build: CUDA ops only where a CUDA
#      toolkit (nvcc) *and* a GPU are present, CPU ops otherwise (also with a CUDA torch). A
#      prebuilt wheel is used when PIP_FIND_LINKS offers one for a CPU build; otherwise pip
#      builds it from source (about 35 minutes on 2 cores).
#   4. the package itself (mmengine, mmsegmentation, diffusers, ...) in editable mode.
# Finally it checks that `mmcv.ops` loads.
#
# Environment knobs:
#   VENV=.venv            where the environment lives
#   PYTHON=python3        interpreter used to create it (3.11 is tested)
#   TORCH_SPEC=torch==2.13.0   e.g. a CUDA build you already use
#   TORCH_INDEX_URL=      index to install torch from (e.g. https://download.pytorch.org/whl/cpu
#                         for the CPU build; default: pip's configured indexes, i.e. PyPI)
#   EXTRAS=tests,lint,docs  extras of the package to install ("" for none)
#   MMCV_OPS=auto|cuda|cpu  how mmcv's ops are built: auto = cuda where nvcc and a GPU are
#                         present, else cpu
#   MMCV_CXX20=auto|1|0   build mmcv from its source release with -std=c++20 instead of c++17
#                         (needed for CUDA builds against torch >= 2.13; "auto": for CUDA ops)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
TORCH_INDEX_URL=${TORCH_INDEX_URL:-}
EXTRAS=${EXTRAS-tests,lint,docs}
MMCV_OPS=${MMCV_OPS:-auto}
MMCV_CXX20=${MMCV_CXX20:-auto}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1m[setup] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }
src=""
trap '[ -n "$src" ] && rm -rf "$src"' EXIT

# what this machine can build mmcv's ops for (decided before any download)
have_nvcc() { command -v nvcc >/dev/null 2>&1 || [ -x "${CUDA_HOME:-/nonexistent}/bin/nvcc" ]; }
have_gpu() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q GPU; }
case "$MMCV_OPS" in
  auto) if have_nvcc && have_gpu; then MMCV_OPS=cuda; else MMCV_OPS=cpu; fi ;;
  cuda) have_nvcc || die "MMCV_OPS=cuda needs a CUDA toolkit (nvcc on PATH or CUDA_HOME); none found. Use MMCV_OPS=cpu, or install the toolkit"
        have_gpu || die "MMCV_OPS=cuda needs a visible GPU to pick the CUDA architectures (nvidia-smi lists none); set TORCH_CUDA_ARCH_LIST to build for one anyway, or use MMCV_OPS=cpu" ;;
  cpu) ;;
  *) die "MMCV_OPS must be auto, cuda or cpu, not '$MMCV_OPS'" ;;
esac

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
  if [ -n "$TORCH_INDEX_URL" ]; then
    say "installing $TORCH_SPEC from $TORCH_INDEX_URL"
    "${PIP[@]}" install -q --index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
  else
    say "installing $TORCH_SPEC"
    "${PIP[@]}" install -q "$TORCH_SPEC"
  fi
fi

if "$PY" -c "import mmcv.ops" 2>/dev/null; then
  say "mmcv $("$PY" -c 'import mmcv; print(mmcv.__version__)') with ops already installed"
else
  # mmcv's build needs these importable *before* its setup.py runs (no build isolation).
  "${PIP[@]}" install -q "numpy>=2,<3" "opencv-python>=4.8,<5" packaging pyyaml addict yapf ninja psutil
  if [ "$MMCV_CXX20" = auto ]; then
    MMCV_CXX20=$([ "$MMCV_OPS" = cuda ] && echo 1 || echo 0)
  fi
  torch_cuda=$("$PY" -c "import torch; print(torch.version.cuda or '')")
  say "mmcv ops: $MMCV_OPS build (torch $("$PY" -c 'import torch; print(torch.__version__)')${torch_cuda:+, a CUDA $torch_cuda build})"
  if [ "$MMCV_OPS" = cuda ]; then export FORCE_CUDA=1; else export FORCE_CUDA=0; fi
  if [ "$MMCV_CXX20" = 1 ]; then
    # mmcv 2.1.0's setup.py hard-codes -std=c++17; torch >= 2.13 headers need C++20 under nvcc.
    src=$(mktemp -d)
    say "building mmcv==2.1.0 from source with -std=c++20 in $src"
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==2.1.0" -d "$src"
    tar -xzf "$src"/mmcv-2.1.0.tar.gz -C "$src"
    sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-2.1.0/setup.py
    MMCV_WITH_OPS=1 "${PIP[@]}" install --no-build-isolation "$src"/mmcv-2.1.0 \
      || die "building mmcv 2.1.0 ($MMCV_OPS ops) failed: see the compiler output above"
  else
    say "installing mmcv==2.1.0 with $MMCV_OPS ops (wheel from PIP_FIND_LINKS if offered, else a ~35 min source build)"
    MMCV_WITH_OPS=1 "${PIP[@]}" install --no-build-isolation "mmcv==2.1.0" \
      || die "installing mmcv 2.1.0 ($MMCV_OPS ops) failed: see the output above"
  fi
fi

spec="."
[ -n "$EXTRAS" ] && spec=".[${EXTRAS}]"
# setup.cfg declares ranges (an existing mmseg environment keeps its versions); this script
# installs the versions the project is tested with
say "installing satsynth-mmseg ($spec) in editable mode, with mmengine 0.10.7 and mmseg 1.2.2"
"${PIP[@]}" install -q --no-build-isolation -e "$spec" "mmengine==0.10.7" "mmsegmentation==1.2.2"

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
