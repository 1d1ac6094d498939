#!/usr/bin/env bash
# The project's lint, as CI runs it before the tests: flake8, isort and yapf (settings in
# setup.cfg; the tools are the `lint` extra). `bash tools/lint.sh --fix` rewrites the files.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PATHS=(satsynth_mmseg tools tests benchmarks configs)
# benchmarks/results/ holds files the benchmarks wrote (e.g. an exported generator's config
# dump): kept byte for byte as written, not linted
RESULTS='benchmarks/results'
if [ "${1:-}" = --fix ]; then
  "$PY" -m isort -q --skip-glob "$RESULTS/*" "${PATHS[@]}"
  "$PY" -m yapf -i -r --exclude "$RESULTS/*" "${PATHS[@]}"
fi
"$PY" -m flake8 --extend-exclude "$RESULTS" "${PATHS[@]}"
"$PY" -m isort --check-only --diff -q --skip-glob "$RESULTS/*" "${PATHS[@]}"
changes=$("$PY" -m yapf --diff -r --exclude "$RESULTS/*" "${PATHS[@]}" || true)
if [ -n "$changes" ]; then
  printf '%s\n' "$changes" | head -60
  echo "[lint] yapf would reformat the files above: run bash tools/lint.sh --fix" >&2
  exit 1
fi
echo "[lint] flake8, isort and yapf: clean"
