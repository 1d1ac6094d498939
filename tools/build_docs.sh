#!/usr/bin/env bash
# Build the docs (docs/en, Sphinx + MyST) into docs/_build/html with warnings as errors:
# a broken link, anchor or toctree entry fails the build. Extra arguments go to sphinx-build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
exec "$PY" -m sphinx -W --keep-going -q -b html docs/en docs/_build/html "$@"
