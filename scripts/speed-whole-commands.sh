#!/usr/bin/env bash
# speed-whole-commands.sh BIN [RUNS]: whole-process wall times of the commands issue
# 10 measures: `run` of 200 baseline and pressured replications on 1 and 2 threads
# (ms per replication, every file written) and one England replication. Each command
# runs RUNS times (default 7) into a fresh output folder; the best and the median are
# shown (this machine's speed varies by several percent from run to run). The 1- and
# 2-thread runs of a scenario alternate, so a slow minute slows both and their ratio
# (the speed-up, of the medians) compares like with like. Run from the repository root
# on an otherwise idle machine; needs `bc`.
set -euo pipefail
BIN=$(realpath "$1")
RUNS=${2:-7}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# Prints the wall time in seconds of one run of the command, into a new folder.
one_run() {
  local s e
  rm -rf "$OUT/run"
  s=$(date +%s.%N); "$@" --out "$OUT/run" >/dev/null; e=$(date +%s.%N)
  echo "$e - $s" | bc
}
# Prints "best median" of the times on standard input.
best_and_median() {
  sort -n | awk '{t[NR]=$1} END {print t[1], t[int((NR+1)/2)]}'
}
# Runs SCENARIO's command (ARGS…) on 1 and 2 threads, alternating, and prints each
# one's best and median, divided by DIVISOR (replications; 1 for seconds), in UNIT.
compare_threads() {
  local name=$1 divisor=$2 unit=$3
  shift 3
  local one=() two=()
  for _ in $(seq "$RUNS"); do
    one+=("$(one_run "$@" --threads 1)")
    two+=("$(one_run "$@" --threads 2)")
  done
  read -r b1 m1 < <(printf '%s\n' "${one[@]}" | best_and_median)
  read -r b2 m2 < <(printf '%s\n' "${two[@]}" | best_and_median)
  local factor=1
  [ "$unit" = s ] || factor=$(echo "1000 / $divisor" | bc -l)
  per() { echo "scale=3; $1 * $factor / 1" | bc -l | sed 's/^\./0./'; }
  echo "$name --threads 1: best $(per "$b1") $unit, median $(per "$m1") $unit"
  echo "$name --threads 2: best $(per "$b2") $unit, median $(per "$m2") $unit;" \
    "speed-up $(echo "scale=2; $m1 / $m2" | bc | sed 's/^\./0./')x (medians)," \
    "$(echo "scale=2; $b1 / $b2" | bc | sed 's/^\./0./')x (bests)"
}
for sc in baseline pressured; do
  compare_threads "$sc -n 200" 200 "ms per replication" "$BIN" run "scenarios/$sc.toml" -n 200 -q
done
compare_threads "england -n 1" 1 s "$BIN" run scenarios/england.toml -n 1 -q
