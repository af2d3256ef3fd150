#!/usr/bin/env bash
# workbook-compare.sh A.xlsx B.xlsx: unzips both workbooks and compares every part
# byte for byte, but for docProps/core.xml's creation and modification times (the
# only content that differs between two saves of the same workbook). Prints the
# parts that differ or are missing on one side; exits 1 if any, 0 if the content is
# the same. The zip container itself (compression, entry order) is not compared.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 A.xlsx B.xlsx" >&2
  exit 2
fi
for f in "$1" "$2"; do
  [ -f "$f" ] || { echo "no such file: $f" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unzip -qq "$1" -d "$work/a"
unzip -qq "$2" -d "$work/b"
# The two timestamps of core.xml are the time of saving.
for side in a b; do
  core="$work/$side/docProps/core.xml"
  if [ -f "$core" ]; then
    sed -i -E 's#(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)#\1TIME\3#g' "$core"
  fi
done
parts() { (cd "$1" && find . -type f | sort); }
bad=0
n=0
while IFS= read -r part; do
  n=$((n + 1))
  if [ ! -f "$work/b/$part" ]; then
    echo "MISSING in $2: $part"
    bad=$((bad + 1))
  elif ! cmp -s "$work/a/$part" "$work/b/$part"; then
    echo "DIFFER: $part"
    bad=$((bad + 1))
  fi
done < <(parts "$work/a")
while IFS= read -r part; do
  echo "EXTRA in $2: $part"
  bad=$((bad + 1))
done < <(comm -13 <(parts "$work/a") <(parts "$work/b"))
echo "$n parts of $1 compared: $bad differ"
[ "$bad" -eq 0 ]
