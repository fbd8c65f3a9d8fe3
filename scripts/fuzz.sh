#!/usr/bin/env bash
# Builds the ingest fuzz target (Tests/Fuzz) with libFuzzer and AddressSanitizer and runs it for a
# bounded time. The seed corpus is the test fixtures' raw files, the adversarial corpus and the
# inputs in Tests/TalentStatsTests/Fixtures/fuzz-regressions (every input that ever failed, kept as a
# regression test that the normal test suite runs too). A new failing input is copied there.
#
# Usage: scripts/fuzz.sh [SECONDS]   (default 60; CI runs it briefly, run it longer on demand)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

out=.build/fuzz
mkdir -p "$out/corpus"
sources=$(ls Sources/TalentStats/Core/*.swift Sources/TalentStats/Reference/*.swift Sources/TalentStats/Validate/*.swift \
  Sources/TalentStats/Ingest/*.swift Sources/TalentStats/Operate/TestHooks.swift | grep -v 'Ingest/FileHash.swift')
if [ ! -x "$out/fuzz-ingest" ] || [ -n "$(find Sources/TalentStats Tests/Fuzz -newer "$out/fuzz-ingest" -name '*.swift' | head -1)" ]; then
  echo "fuzz: building (swiftc -sanitize=fuzzer,address)"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name TalentStatsFuzz \
    $sources Tests/Fuzz/*.swift -o "$out/fuzz-ingest" 2>"$out/build.log" || { cat "$out/build.log"; exit 1; }
fi
seeds=(Tests/TalentStatsTests/Fixtures/adversarial Tests/TalentStatsTests/Fixtures/fuzz-regressions)
for f in Tests/TalentStatsTests/Fixtures/small/raw/*/*.csv; do cp "$f" "$out/corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f")"; done
status=0
"$out/fuzz-ingest" "$out/corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -artifact_prefix="$out/" -print_final_stats=1 2>"$out/fuzz.log" || status=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$out/fuzz.log" | tail -3 || true
if [ "$status" -ne 0 ]; then
  for crash in "$out"/crash-* "$out"/timeout-* "$out"/oom-*; do
    [ -f "$crash" ] && cp "$crash" Tests/TalentStatsTests/Fixtures/fuzz-regressions/ && echo "fuzz: kept $(basename "$crash") as a regression input"
  done
  tail -30 "$out/fuzz.log"
  echo "fuzz: FAILED (exit $status); the input is in Tests/TalentStatsTests/Fixtures/fuzz-regressions"
  exit 1
fi
echo "fuzz: no crash, hang, leak of memory or accounting error in ${seconds}s"
