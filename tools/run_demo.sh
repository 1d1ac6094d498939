#!/usr/bin/env bash
# The main job, from a fresh clone, on the embedded procedural aerial-scenes dataset (CPU):
# the recipe that measures best today beside SatSynth's joint generator, D as the reference.
#   1. set up .venv (tools/setup_env.sh),
#   2. paint the procedural dataset into data/procedural_scenes,
#   3. D' from the model-zoo generators (--train-generators: train both first):
#      pix2pix rendering new layouts of D's masks, and the joint image + mask DDPM,
#   4. FreeMask-filter the pix2pix D' (alpha = 1.0, the D segmentor of seed 0),
#   5. train the same tiny DeepLabV3+ on D, D u D' joint and D u D' pix2pix filtered + hardness
#      resampling, 3 seeds each; test on the real val split (the rows in between, plain and
#      filtered-only pix2pix D', are left out for time: --skip-variants),
#   6. print the table (mIoU, the paired gain over D with its 95 % interval, per-class IoU) and
#      write benchmarks/results/demo_procedural_cpu.{md,json,png}.
# Every stage logs its start and end, segmentor runs an ETA. Rerunning resumes. Extra arguments
# go to tools/benchmark_gain.py (e.g. --seeds 0 for a quicker look).
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=0
if [ "${1:-}" = "--train-generators" ]; then
  TRAIN=1
  shift
fi
bash tools/setup_env.sh
PY=.venv/bin/python
WORK_DIR=${WORK_DIR:-work_dirs/demo_procedural-cpu}
ZOO=model_zoo
P2P=pix2pix_unet-s_1xb8-2k_procedural-32x32
JOINT=jointddpm_unet-tiny_1xb8-2k_procedural-32x32
GEN=(--pix2pix-config "$ZOO/$P2P.py" --pix2pix-checkpoint "$ZOO/$P2P.pth"
     --generator-config "$ZOO/$JOINT.py" --generator-checkpoint "$ZOO/$JOINT.pth")
if [ "$TRAIN" = 1 ]; then
  # the repository configs; benchmark_gain.py trains each generator in WORK_DIR first
  GEN=()
fi
start=$(date +%s)
# the recipe is the experiment config (generators, R, filtering, resampling, rows)
$PY tools/benchmark_gain.py configs/experiments/gain_demo_procedural-cpu.py \
  --work-dir "$WORK_DIR" "${GEN[@]}" "$@"
echo
echo "Done in $(( ($(date +%s) - start) / 60 )) min. Table: $WORK_DIR/gain.md (and benchmarks/results/demo_procedural_cpu.md)"
echo "Pictures: $WORK_DIR/dprime_pix2pix/preview.png and $WORK_DIR/dprime/preview.png (D' pairs),"
echo "  $WORK_DIR/dprime_pix2pix_filtered/filter_preview.png (image | generated mask | filtered mask),"
echo "  $WORK_DIR/gain.png (mIoU per training set); segmentors: $WORK_DIR/runs/*"
