#!/usr/bin/env bash
# parity-compare.sh A B: cmp every CSV and Parquet file of capture folder A with B;
# prints the files that differ or are missing, and the count.
A=$1; B=$2; bad=0; n=0
while IFS= read -r f; do
  n=$((n+1))
  if [ ! -f "$B/$f" ]; then echo "MISSING $f"; bad=$((bad+1)); continue; fi
  cmp -s "$A/$f" "$B/$f" || { echo "DIFFER $f"; bad=$((bad+1)); }
done < <(cd "$A" && find . -type f \( -name '*.csv' -o -name '*.parquet' \) | sort)
extra=$(cd "$B" && find . -type f \( -name '*.csv' -o -name '*.parquet' \) | sort | comm -13 <(cd "$A" && find . -type f \( -name '*.csv' -o -name '*.parquet' \) | sort) -)
[ -n "$extra" ] && echo "EXTRA: $extra"
echo "$n files compared, $bad differ"
