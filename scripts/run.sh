#!/usr/bin/env bash
# Set up .venv (if needed) and open the app on the embedded SQLite default.
# `pip install -e .` runs only when the install is missing or pyproject.toml changed since the last
# install (a stamp in .venv holds its checksum), so an everyday start costs nothing extra.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
stamp=.venv/.ikd-counter-installed
want=$(.venv/bin/python -c 'import hashlib,sys;print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
if [ ! -x .venv/bin/ikd-counter ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q -e . >/dev/null
  echo "$want" > "$stamp"
fi
exec .venv/bin/ikd-counter "$@"
