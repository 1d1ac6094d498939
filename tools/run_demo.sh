#!/usr/bin/env bash
# The main job on the embedded default dataset, from a fresh clone:
#   1. set up .venv (tools/setup_env.sh),
#   2. paint the procedural aerial-scenes dataset into data/procedural_scenes,
#   3. train the tiny joint image+mask DDPM on CPU (a few minutes on 2 cores),
#   4. leave sample grids (image | colourised mask) in the work dir,
#   5. generate a small synthetic dataset D' from the last checkpoint with tools/generate.py,
#      with a preview grid and the class statistics of D vs D'.
# Extra arguments go to tools/train.py (e.g. --cfg-options train_cfg.max_iters=500).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
PY=.venv/bin/python
CONFIG=configs/joint_ddpm/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py
WORK_DIR=${WORK_DIR:-work_dirs/demo_generator}
$PY tools/dataset_converters/procedural_scenes.py --out data/procedural_scenes
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
last=$(ls "$WORK_DIR"/samples/iter_*.png | sort | tail -n 1)
ckpt=$(cat "$WORK_DIR/last_checkpoint")
# D' made by this demo's own checkpoint: a fresh training run means a fresh D' folder
rm -rf "$WORK_DIR/dprime"
$PY tools/generate.py "$CONFIG" "$ckpt" --out "$WORK_DIR/dprime" --num-samples 64 \
    --sampler ddim --steps 50 --real-config "$CONFIG" --report
echo
echo "Done. Checkpoints: $WORK_DIR/iter_*.pth (EMA weights in state_dict)"
echo "Sampled pairs (image | mask), one grid per 500 iterations; the last: $last"
echo "Synthetic dataset D': $WORK_DIR/dprime (preview.png, report.md, report.png)"
