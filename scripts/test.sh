#!/usr/bin/env bash
# The whole test suite: install what is missing (including LibreOffice, which a test uses to open
# the workbook), build the binary the end-to-end tests run, test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --office
swift build --product talentstats
# The ingest fuzz target, briefly (scripts/fuzz.sh SECONDS for longer runs); before the unit tests
# so that the test runner's summary is the last line.
bash scripts/fuzz.sh "${FUZZ_SECONDS:-45}"
swift test
