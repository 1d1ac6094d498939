#!/usr/bin/env bash
# The main job on the embedded default dataset, from a fresh clone: SatSynth's whole pipeline.
#   1. set up .venv (tools/setup_env.sh),
#   2. paint the procedural aerial-scenes dataset into data/procedural_scenes,
#   3. train the tiny joint image+mask DDPM on CPU (sample grids every 500 iterations),
#   4. generate D' with tools/generate.py (preview + class statistics of D vs D'),
#   5. train the same tiny DeepLabV3+ on D, on D u D' (R = 1, 2) and on D' alone, 3 seeds each,
#      test on the real val split,
#   6. write the table (mean +- std mIoU and per-class IoU) and the plot of mIoU against R.
# Every stage is resumable: rerunning the command skips what is finished. Extra arguments go to
# tools/benchmark_gain.py (e.g. --seeds 0 --seg-iters 300 for a quicker look).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
PY=.venv/bin/python
WORK_DIR=${WORK_DIR:-work_dirs/gain_procedural-cpu}
$PY tools/benchmark_gain.py --preset procedural-cpu --work-dir "$WORK_DIR" "$@"
echo
echo "Done. Generator: $WORK_DIR/generator (checkpoints; sample grids in samples/iter_*.png)"
echo "D': $WORK_DIR/dprime (preview.png, report.md, report.png)"
echo "Segmentors: $WORK_DIR/runs/*; table: $WORK_DIR/gain.md; plot: $WORK_DIR/gain.png"
