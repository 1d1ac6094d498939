#!/usr/bin/env bash
# Bring satsynth-mmseg up on a GPU machine that has Python and a CUDA build of torch but no
# package registry (README "GPU"). Two steps, one command each:
#
#   here, with a registry:   bash tools/gpu_bringup.sh download   [--python-version 3.12]
#       puts into $WHEELS (default .whl/, ignored by git) the pure-Python wheels the plugin
#       needs beyond what such a machine usually has (the OpenMMLab stack, diffusers and their
#       small dependencies) and mmcv 2.1.0's source release.
#
#   there:                   eval "$(bash tools/gpu_bringup.sh install)"
#       installs $WHEELS/*.whl into $SITE (default /tmp/site) without touching the machine's
#       own torch, prints the `export PYTHONPATH=...` line (the site and the repository, so
#       `satsynth_mmseg` and the tools import) that the eval applies, and checks
#       `import mmcv.ops, satsynth_mmseg` and a CUDA forward pass.
#       With no mmcv wheel in $WHEELS it builds one from the source release against the
#       machine's torch and leaves it in $WHEELS (and in $OUT when set) for the next run:
#         MMCV_OPS=cpu   (default) the C++ ops only, CUDA hidden from the build (all cores:
#                        about 3 minutes on 16). DeepLabV3+ and the generators use no mmcv
#                        CUDA kernel, so this is all the plugin needs.
#         MMCV_OPS=cuda  the CUDA kernels too, with -std=c++20 (torch >= 2.13's headers need
#                        it under nvcc); much longer.
#       The .so is stripped of debug symbols (83 MB -> about 2 MB) so the wheel fits a carry.
#
#   optional, here:          bash tools/gpu_bringup.sh build-mmcv PYTHON
#       builds that wheel here instead (no GPU time spent), with PYTHON a virtual environment's
#       interpreter of the GPU machine's Python version holding the same torch version.
#
# Knobs: WHEELS=.whl  SITE=/tmp/site  MMCV_OPS=cpu|cuda  MAX_JOBS=<cores>
set -euo pipefail
_here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHEELS=${WHEELS:-$_here/.whl}
SITE=${SITE:-/tmp/site}
MMCV_OPS=${MMCV_OPS:-cpu}

# pure-Python packages the plugin imports that a CUDA image with torch, numpy, scipy, opencv,
# matplotlib, rich, tqdm, regex, requests, safetensors, huggingface-hub and torchmetrics lacks
PURE_WHEELS=(
  mmengine==0.10.7 mmsegmentation==1.2.2 diffusers==0.42.1 addict==2.4.0 termcolor==3.3.0
  yapf==0.43.0 platformdirs==4.14.8 prettytable==3.18.0 wcwidth==0.9.4 ftfy==6.3.1
  importlib_metadata==10.2.0
  # mmengine imports pkg_resources, which setuptools 81 removed
  setuptools==80.10.2
)

say() { printf '\033[1m[gpu-bringup]\033[0m %s\n' "$*" >&2; }

_download() {
  local pyver=3.12 py=python3
  # the project's environment has the build tools pip needs to read mmcv's source release
  [ -x "$_here/.venv/bin/python" ] && py="$_here/.venv/bin/python"
  [ "${1:-}" = --python-version ] && pyver=$2
  mkdir -p "$WHEELS"
  say "downloading ${#PURE_WHEELS[@]} pure-Python wheels for Python $pyver into $WHEELS"
  "$py" -m pip download -q --isolated --no-deps --only-binary=:all: --python-version "$pyver" \
    --implementation py --abi none --platform any -d "$WHEELS" "${PURE_WHEELS[@]}"
  say "downloading mmcv 2.1.0's source release"
  "$py" -m pip download -q --isolated --no-deps --no-binary :all: --no-build-isolation \
    mmcv==2.1.0 -d "$WHEELS"
  du -sh "$WHEELS" >&2
}

# _strip_wheel WHEEL: strip debug symbols from the shared objects in a wheel (RECORD rebuilt)
_strip_wheel() {
  local whl=$1 py=${2:-python3} tmp
  tmp=$(mktemp -d)
  "$py" -m wheel unpack -d "$tmp" "$whl" >/dev/null
  find "$tmp" -name '*.so' -exec strip --strip-debug {} +
  rm -f "$whl"
  "$py" -m wheel pack -d "$(dirname "$whl")" "$tmp"/* >/dev/null
  rm -rf "$tmp"
}

# _build_mmcv PYTHON: build a stripped mmcv 2.1.0 wheel from the source release in $WHEELS
_build_mmcv() {
  local py=$1 src
  src=$(mktemp -d)
  tar -xzf "$WHEELS"/mmcv-2.1.0.tar.gz -C "$src"
  if [ "$MMCV_OPS" = cuda ]; then
    sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-2.1.0/setup.py
    say "building mmcv 2.1.0 with CUDA ops against torch $("$py" -c 'import torch; print(torch.__version__)')"
    (cd "$src"/mmcv-2.1.0 && MMCV_WITH_OPS=1 FORCE_CUDA=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$py" -m pip wheel -q --no-build-isolation --no-deps --no-index -w "$WHEELS" .)
  else
    say "building mmcv 2.1.0 with C++ ops (CUDA hidden) against torch $("$py" -c 'import torch; print(torch.__version__)')"
    (cd "$src"/mmcv-2.1.0 && CUDA_VISIBLE_DEVICES= MMCV_WITH_OPS=1 FORCE_CUDA=0 \
      MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$py" -m pip wheel -q --no-build-isolation --no-deps --no-index -w "$WHEELS" .)
  fi
  rm -rf "$src"
  local whl
  whl=$(ls "$WHEELS"/mmcv-2.1.0-*.whl)
  _strip_wheel "$whl" "$py"
  say "built $(ls "$WHEELS"/mmcv-2.1.0-*.whl) ($(du -h "$WHEELS"/mmcv-2.1.0-*.whl | cut -f1))"
}

_install() {
  local py=${PYTHON:-python3} t0=$SECONDS
  [ -d "$WHEELS" ] || { say "no wheel folder $WHEELS: run 'bash tools/gpu_bringup.sh download' where a registry is reachable and carry it"; return 1; }
  mkdir -p "$SITE"
  export PYTHONPATH="$SITE:$_here${PYTHONPATH:+:$PYTHONPATH}"
  say "installing $(ls "$WHEELS"/*.whl | wc -l) wheels into $SITE"
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "$WHEELS"/*.whl
  if ! "$py" -c 'import mmcv.ops' 2>/dev/null; then
    [ -f "$WHEELS"/mmcv-2.1.0.tar.gz ] || { say "no mmcv wheel and no mmcv-2.1.0.tar.gz in $WHEELS"; return 1; }
    _build_mmcv "$py"
    "$py" -m pip install -q --no-index --no-deps --no-compile --upgrade --target "$SITE" \
      "$WHEELS"/mmcv-2.1.0-*.whl
    [ -n "${OUT:-}" ] && cp "$WHEELS"/mmcv-2.1.0-*.whl "$OUT"/ || true
  fi
  "$py" - >&2 <<'PY'
import torch, mmcv, mmcv.ops, mmengine, mmseg, diffusers
import satsynth_mmseg  # noqa: F401  (registers the plugin)
dev = 'cuda' if torch.cuda.is_available() else 'cpu'
x = torch.randn(2, 3, 32, 32, device=dev)
conv = torch.nn.Conv2d(3, 4, 3, padding=1).to(dev)
assert torch.isfinite(conv(x)).all()
print(f'[gpu-bringup] ok: python {__import__("sys").version.split()[0]}, torch {torch.__version__} '
      f'(CUDA {torch.version.cuda}), device {torch.cuda.get_device_name() if dev == "cuda" else "cpu"}, '
      f'mmcv {mmcv.__version__} (ops), mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'diffusers {diffusers.__version__}', flush=True)
PY
  say "ready in $((SECONDS - t0)) s"
  printf 'export PYTHONPATH=%q\n' "$PYTHONPATH"
}

case "${1:-}" in
  download) shift; _download "$@" ;;
  build-mmcv) [ -n "${2:-}" ] || { say "usage: $0 build-mmcv PYTHON"; exit 2; }; _build_mmcv "$2" ;;
  install) _install ;;
  *) say "usage: bash $0 download | build-mmcv PYTHON | install (as: eval \"\$(bash $0 install)\")"; exit 2 ;;
esac
