#!/usr/bin/env bash
# The whole test suite: install what is missing (including LibreOffice, which a test uses to open
# the workbook), build the binary the end-to-end tests run, test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --office
# Formatting: the toolchain's formatter with the committed .swift-format (120 columns); any
# finding fails the suite. `swift format format -i -r Sources Tests Package.swift` fixes most.
swift format lint --strict -r Sources Tests Package.swift
swift build --product talentstats
# The ingest fuzz target, briefly (scripts/fuzz.sh SECONDS for longer runs); before the unit tests
# so that the test runner's summary is the last line.
bash scripts/fuzz.sh "${FUZZ_SECONDS:-45}"
swift test
