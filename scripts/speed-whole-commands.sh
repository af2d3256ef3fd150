#!/usr/bin/env bash
# speed-whole-commands.sh BIN [RUNS]: whole-process wall times of the commands issue
# 10 measures: `run` of 200 baseline and pressured replications on 1 and 2 threads
# (ms per replication, every file written) and one England replication. Each command
# runs RUNS times (default 7) into a fresh output folder; the best and the median are
# shown (this machine's speed varies by several percent from run to run). Run from the
# repository root on an otherwise idle machine; needs `bc`.
set -euo pipefail
BIN=$(realpath "$1")
RUNS=${2:-7}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# Prints "best median" in seconds of RUNS runs of the command, each writing a new folder.
best_and_median() {
  local times=() s e
  for _ in $(seq "$RUNS"); do
    rm -rf "$OUT/run"
    s=$(date +%s.%N); "$@" --out "$OUT/run" >/dev/null; e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{t[NR]=$1} END {print t[1], t[int((NR+1)/2)]}'
}
per_replication() { echo "scale=3; $1 * 1000 / 200" | bc; }
for sc in baseline pressured; do
  for th in 1 2; do
    read -r best median < <(best_and_median "$BIN" run "scenarios/$sc.toml" -n 200 --threads "$th" -q)
    echo "$sc -n 200 --threads $th: best $(per_replication "$best") ms per replication, median $(per_replication "$median") ms"
  done
done
for th in 1 2; do
  read -r best median < <(best_and_median "$BIN" run scenarios/england.toml -n 1 --threads "$th" -q)
  echo "england -n 1 --threads $th: best $best s, median $median s"
done
