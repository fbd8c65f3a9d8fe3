#!/usr/bin/env bash
# The whole test suite: install what is missing (including LibreOffice, which a test uses to open
# the workbook), build the binary the end-to-end tests run, test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --office
swift build --product talentstats
swift test
