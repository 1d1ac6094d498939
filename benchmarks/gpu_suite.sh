#!/usr/bin/env bash
# The GPU measurements of README "GPU", in one command on a GPU machine (one H100/H200):
#
#   bash benchmarks/gpu_suite.sh            (after: bash tools/gpu_bringup.sh download, here)
#
# Needs the wheels of tools/gpu_bringup.sh in .whl/ and the Dubai ÷4 training split in
# data/dubai_aerial_x4/{img,ann}_dir/train (python tools/dataset_converters/dubai_aerial.py
# ... --downscale 4). Every step has its own time limit, so a slow step costs only itself;
# results go to $RESULTS (default benchmarks/results/gpu) and, when $OUT is set (the device
# tool), are bundled there after every step as results.tar, with the log as log.txt.
#
#  1. bring-up (tools/gpu_bringup.sh install)
#  2. the 64x64 Dubai generator (jointddpm_unet-s_1xb16-100k_dubai-64x64) trained with
#     --amp --amp-dtype bfloat16 for up to GEN_ITERS iterations / GEN_MINUTES minutes: the
#     non-finite guard stops training on the first NaN/inf loss, so finishing >= 2000
#     iterations is the finite-loss check; exported (EMA, float16) as gen64.pth
#  3. D' of 448 pairs (the Dubai ÷4 training set's size) from it, DDIM-50, as dprime.tar
#  4. training throughput at 64x64: the plugin with bf16 + channels_last + torch.compile vs
#     the plain diffusers loop
#  5. sampling throughput at 64x64 (DDIM-50, DPM-Solver++-20): ours with bf16 + CUDA graphs
#     (torch.compile mode reduce-overhead) vs diffusers' DDPMPipeline loop
#  6. training throughput at 128x128 (unet-m): bf16 + channels_last, no compile
#  7. AugmentedDataset loading with 0 / 8 workers
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
RESULTS=${RESULTS:-benchmarks/results/gpu}
GEN_ITERS=${GEN_ITERS:-3000}
GEN_MINUTES=${GEN_MINUTES:-2.5}
DATA=${DATA:-data/dubai_aerial_x4}
mkdir -p "$RESULTS"
LOG=${OUT:+$OUT/log.txt}
LOG=${LOG:-$RESULTS/log.txt}
exec > >(tee -a "$LOG") 2>&1
export PYTHONUNBUFFERED=1
T0=$SECONDS

bundle() {  # results so far -> $OUT/results.tar (atomically), when run by the device tool
  [ -n "${OUT:-}" ] || return 0
  tar -cf "$OUT/.results.tar" -C "$RESULTS" . && mv "$OUT/.results.tar" "$OUT/results.tar"
}
step() {  # step NAME SECONDS CMD...
  local name=$1 limit=$2
  shift 2
  echo "=== [$((SECONDS - T0)) s] $name (limit ${limit} s)"
  local t=$SECONDS
  timeout --signal=INT --kill-after=10 "$limit" "$@"
  local rc=$?
  echo "=== [$((SECONDS - T0)) s] $name: rc $rc in $((SECONDS - t)) s"
  bundle
  return $rc
}

echo "=== GPU suite on $(hostname), $(date -u +%FT%TZ)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
eval "$(bash tools/gpu_bringup.sh install)" || { echo "bring-up failed"; exit 1; }

GEN_CFG=configs/joint_ddpm/jointddpm_unet-s_1xb16-100k_dubai-64x64.py
WD=work_dirs/gpu_gen64
step generator-bf16 $(python3 -c "print(int(60 * $GEN_MINUTES) + 45)") \
  "$PY" tools/train.py "$GEN_CFG" --work-dir "$WD" --amp --amp-dtype bfloat16 \
  --time-budget "$GEN_MINUTES" \
  --cfg-options train_dataloader.dataset.data_root="$DATA" train_dataloader.num_workers=8 \
  train_cfg.max_iters="$GEN_ITERS" default_hooks.checkpoint.interval=1000 \
  default_hooks.sample_grid.interval=1000 default_hooks.logger.interval=50
cp "$WD"/*/vis_data/scalars.json "$RESULTS"/gen64_scalars.json 2>/dev/null
cp "$WD"/*/*.log "$RESULTS"/gen64_train.log 2>/dev/null
ls "$WD"/samples/iter_*.png 2>/dev/null | tail -2 | xargs -r cp -t "$RESULTS"/
CKPT=$(ls -t "$WD"/iter_*.pth 2>/dev/null | head -1)
if [ -n "$CKPT" ]; then
  step export 60 "$PY" tools/export_generator.py "$CKPT" "$RESULTS"/gen64.pth --half
  step generate 90 "$PY" tools/generate.py "$RESULTS"/gen64.py "$RESULTS"/gen64.pth \
    --out work_dirs/gpu_dprime64 --num-samples 448 --batch-size 64 --sampler ddim --steps 50 \
    --no-progress
  [ -n "${OUT:-}" ] && tar -cf "$OUT"/dprime.tar -C work_dirs gpu_dprime64
  [ -n "${OUT:-}" ] && [ -f "$RESULTS"/gen64.pth ] && split -b 15M -d "$RESULTS"/gen64.pth "$OUT"/gen64.pth.part
  mv "$RESULTS"/gen64.pth work_dirs/ 2>/dev/null  # not in results.tar (size)
fi

step train-throughput-64 150 "$PY" benchmarks/train_throughput.py --device cuda \
  --config "$GEN_CFG" --batch-size 16 --bf16 --channels-last --compile --hand-plain \
  --warmup 3 --iters 10 --repeats 4 --out "$RESULTS"/train_throughput_cuda_64.json

SAMPLE_CKPT=()
[ -f work_dirs/gen64.pth ] && SAMPLE_CKPT=(--config "$RESULTS"/gen64.py --checkpoint work_dirs/gen64.pth)
[ ${#SAMPLE_CKPT[@]} -eq 0 ] && SAMPLE_CKPT=(--config "$GEN_CFG")
step sampling-64 110 "$PY" benchmarks/sampling_throughput.py --device cuda "${SAMPLE_CKPT[@]}" \
  --size 64 --batch-size 32 --settings ddim:50 dpm-solver++:20 --repeats 3 \
  --bf16 --channels-last --compile reduce-overhead --out "$RESULTS"/sampling_cuda_64

step train-throughput-128 60 "$PY" benchmarks/train_throughput.py --device cuda \
  --config configs/joint_ddpm/jointddpm_unet-m_1xb8-150k_dubai-128x128.py --batch-size 8 \
  --bf16 --channels-last --hand-plain --warmup 3 --iters 10 --repeats 4 \
  --out "$RESULTS"/train_throughput_cuda_128.json

step loading 40 "$PY" benchmarks/augmented_loading.py --data-root "$DATA" --workers 0 8 \
  --iters 10 --repeats 3 --out "$RESULTS"/augmented_loading_cuda

echo "=== done in $((SECONDS - T0)) s"
bundle
