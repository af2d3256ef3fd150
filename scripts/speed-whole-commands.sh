#!/usr/bin/env bash
# speed-whole-commands.sh BIN: whole-process wall times (best of 3) of the commands
# issue 10 measures: `run` of 200 baseline and pressured replications on 1 and 2
# threads (ms per replication, every file written) and one England replication.
# Run from the repository root on an otherwise idle machine; needs `bc`.
set -euo pipefail
BIN=$(realpath "$1")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
best_of_3() {
  local best=999 s e d
  for _ in 1 2 3; do
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    d=$(echo "$e - $s" | bc)
    best=$(echo "if ($d < $best) $d else $best" | bc)
  done
  echo "$best"
}
for sc in baseline pressured; do
  for th in 1 2; do
    w=$(best_of_3 "$BIN" run "scenarios/$sc.toml" -n 200 --threads "$th" -q --out "$OUT/run" --force)
    echo "$sc -n 200 --threads $th: $w s = $(echo "scale=3; $w * 1000 / 200" | bc) ms per replication"
  done
done
for th in 1 2; do
  w=$(best_of_3 "$BIN" run scenarios/england.toml -n 1 --threads "$th" -q --out "$OUT/run" --force)
  echo "england -n 1 --threads $th: $w s"
done
