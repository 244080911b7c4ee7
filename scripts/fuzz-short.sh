#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time (FUZZTIME, default
# 5s), so CI exercises the parsers and signature checks beyond their seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}
n=0
for pkg in $(go list ./...); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  for t in $targets; do
    echo "fuzz $pkg $t ($fuzztime)"
    go test -run='^$' -fuzz="^${t}\$" -fuzztime="$fuzztime" "$pkg" >/tmp/fuzz-$$.log 2>&1 || { cat /tmp/fuzz-$$.log; exit 1; }
    n=$((n+1))
  done
done
rm -f /tmp/fuzz-$$.log
echo "fuzz: $n targets ran for $fuzztime each"
