#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build (release), and run the report on the
# shipped sample input. Prints where the workbook is.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build -c release --product talentstats
status=0
.build/release/talentstats report --period 2024-12 --input input --output output || status=$?
case $status in
  0) echo "run-sample: the workbook is output/2024-12/talent-report-2024-12.xlsx (with aggregates.csv, rejects.csv, manifest.json beside it)" ;;
  2) echo "run-sample: published with data-quality findings; see output/2024-12/rejects.csv" ;;
  *) echo "run-sample: the report failed (exit $status)"; exit $status ;;
esac
