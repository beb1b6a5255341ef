#!/usr/bin/env bash
# Set up .venv (if needed) and open the app on the embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q -e . >/dev/null
exec .venv/bin/ikd-counter "$@"
