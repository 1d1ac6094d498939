#!/usr/bin/env bash
# Set everything up (tools/setup_env.sh), lint (tools/lint.sh), build the docs with warnings as
# errors (tools/build_docs.sh) and run the test suite on CPU.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
bash tools/lint.sh
bash tools/build_docs.sh
exec .venv/bin/python -m pytest tests "$@"
