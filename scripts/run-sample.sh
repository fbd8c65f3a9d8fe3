#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build (release), and run the report on the
# shipped sample input. Prints where the workbook is.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build -c release --product talentstats
# The sample's story of arrival (报送情况 reads files' modification times, which a git checkout
# does not keep): each month's return on the 3rd of the following month, a resubmission (.v2) on
# the 20th.
for f in input/raw/*/*.csv; do
  name=$(basename "$f" .csv)
  month=${name%%.*}
  next=$(date -d "${month}-01 +1 month" +%Y-%m)
  day=03
  case $name in *.v2) day=20 ;; esac
  touch -d "${next}-${day} 10:00:00 +0800" "$f"
done
# The five districts' 2024-12 forms came back by e-mail on the 4th.
touch -d "2025-01-04 16:30:00 +0800" input/raw/2024/12-forms/*.xlsx
status=0
.build/release/talentstats report --period 2024-12 --input input --output output || status=$?
case $status in
  0) echo "run-sample: the workbook is output/2024-12/talent-report-2024-12.xlsx (with aggregates.csv, rejects.csv, manifest.json beside it)" ;;
  2) echo "run-sample: published with data-quality findings; see output/2024-12/rejects.csv" ;;
  *) echo "run-sample: the report failed (exit $status)"; exit $status ;;
esac
