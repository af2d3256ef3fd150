#!/usr/bin/env bash
# parity-capture.sh BIN OUT: every CSV and Parquet file the bundled scenarios and
# experiments produce through run, compare, sweep, sensitivity and merge, written by
# the holdsim binary BIN into OUT. Run it with two binaries, then parity-compare.sh, to
# show a refactoring changed no data file (issue 9: 104 files, 0 differ).
set -euo pipefail
BIN=$(realpath "$1"); OUT=$(realpath -m "$2"); cd "$(dirname "$0")/.."
# Replace only a folder this script wrote before.
if [ -e "$OUT" ] && [ ! -f "$OUT/.parity-capture" ]; then
  echo "refusing to replace $OUT: it is not a folder parity-capture.sh wrote" >&2
  exit 2
fi
rm -rf "$OUT"; mkdir -p "$OUT"; touch "$OUT/.parity-capture"
for s in baseline pressured supported; do
  $BIN run scenarios/$s.toml -q --out "$OUT/run-$s" >/dev/null
done
$BIN run scenarios/england.toml -n 2 -q --out "$OUT/run-england" >/dev/null
$BIN compare scenarios/baseline.toml scenarios/supported.toml scenarios/pressured.toml -n 40 -q --out "$OUT/compare" >/dev/null
for e in adaptive_cap grid_staffing lhs_workforce table_points; do
  $BIN sweep experiments/$e.toml -q --out "$OUT/sweep-$e" >/dev/null
done
$BIN sensitivity experiments/morris_baseline.toml -q --out "$OUT/sens-morris" >/dev/null
$BIN sensitivity experiments/sobol_baseline.toml -q --out "$OUT/sens-sobol" >/dev/null
for k in 0 1 2; do $BIN sweep experiments/grid_staffing.toml -q --shard $k/3 --out "$OUT/merge-grid" >/dev/null; done
$BIN merge "$OUT/merge-grid" >/dev/null
echo done
