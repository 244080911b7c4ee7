#!/usr/bin/env bash
# Fails when `templ generate` would change a committed *_templ.go file, or
# when a .templ file has no generated file.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find web -name '*_templ.go' -exec cp --parents {} "$tmp" \;
go tool templ generate >/dev/null
status=0
while IFS= read -r -d '' f; do
  if ! cmp -s "$f" "$tmp/$f"; then
    echo "stale generated file: $f (run 'make generate' and commit)"
    status=1
  fi
done < <(find web -name '*_templ.go' -print0)
exit $status
