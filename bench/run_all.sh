#!/usr/bin/env bash
# Run every benchmark one after the other (on a quiet machine) and print their tables.
# Each script also writes its own bench/results/<area>.md. Needs the sqlite3 shell for the
# registry row (apt-get install -y sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p bench/out
echo "# Benchmarks $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $(nproc) CPUs, $($PY -V)"
BIG=bench/out/tui-registry-631075.db
if [ ! -f "$BIG" ]; then
  .venv/bin/ikd-counter seed-demo --db "$BIG" --registry 631075 --visits 2000 --days 20 >/dev/null
fi
echo "## registry (issue 2)";  $PY bench/bench_registry.py --rounds 3
echo "## tui (issue 3, key budget issue 12)"; $PY bench/bench_tui.py --runs 15 --big-db "$BIG" --keys
echo "## qr (issue 4)";        $PY bench/bench_qr.py
echo "## report (issue 5)";    $PY bench/bench_report.py
echo "## export (issue 6)";    $PY bench/bench_export.py --visits 100000
echo "## bundles (issue 7)";   $PY bench/bench_bundles.py
echo "## coverage (issue 15)"; $PY bench/bench_coverage.py --rounds 3
