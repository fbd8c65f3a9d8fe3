#!/usr/bin/env bash
# Re-records the golden aggregates of the shipped sample (Tests/TalentStatsTests/Golden/), after
# showing what changes. Never run by the tests: a golden file changes only when someone means it to.
#
# Usage: scripts/update-golden.sh [--yes]
set -euo pipefail
cd "$(dirname "$0")/.."

golden=Tests/TalentStatsTests/Golden/sample-2024-12.aggregates.csv
swift build --product talentstats >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
.build/debug/talentstats report --period 2024-12 --input input --output "$tmp" --quiet || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then echo "update-golden: the report failed (exit $status)"; exit 1; fi
diff_status=0
.build/debug/talentstats diff "$golden" "$tmp/2024-12/aggregates.csv" || diff_status=$?
if [ "$diff_status" -eq 0 ]; then echo "update-golden: the golden file is up to date"; exit 0; fi
if [ "${1:-}" != "--yes" ]; then
  read -r -p "Replace $golden with these figures? [y/N] " answer
  [ "$answer" = "y" ] || { echo "update-golden: left unchanged"; exit 1; }
fi
cp "$tmp/2024-12/aggregates.csv" "$golden"
echo "update-golden: $golden re-recorded; commit it with a message that says why the figures moved"
