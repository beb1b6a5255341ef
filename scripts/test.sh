#!/usr/bin/env bash
# Set up .venv (if needed) with the test extra and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/ruff check counter tests bench   # lint (rules in pyproject.toml); fails the run
.venv/bin/ruff format --check counter tests bench   # one format for the whole tree
.venv/bin/mypy   # types (settings in pyproject.toml [tool.mypy]); fails the run
exec .venv/bin/python -m pytest -n 2 -q "$@"
