#!/usr/bin/env bash
# Set everything up (tools/setup_env.sh), lint (tools/lint.sh) and run the test suite on CPU.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
bash tools/lint.sh
exec .venv/bin/python -m pytest tests "$@"
