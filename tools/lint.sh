#!/usr/bin/env bash
# The project's lint, as CI runs it before the tests: flake8, isort and yapf (settings in
# setup.cfg; the tools are the `lint` extra). `bash tools/lint.sh --fix` rewrites the files.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PATHS=(satsynth_mmseg tools tests benchmarks configs)
if [ "${1:-}" = --fix ]; then
  "$PY" -m isort -q "${PATHS[@]}"
  "$PY" -m yapf -i -r "${PATHS[@]}"
fi
"$PY" -m flake8 "${PATHS[@]}"
"$PY" -m isort --check-only --diff -q "${PATHS[@]}"
changes=$("$PY" -m yapf --diff -r "${PATHS[@]}" || true)
if [ -n "$changes" ]; then
  printf '%s\n' "$changes" | head -60
  echo "[lint] yapf would reformat the files above: run bash tools/lint.sh --fix" >&2
  exit 1
fi
echo "[lint] flake8, isort and yapf: clean"
