#!/usr/bin/env bash
# Renders a workbook to PNG pages, so anyone can look at what officials will print:
# LibreOffice (headless) → PDF → pdftoppm. Installs what is missing (scripts/install-deps.sh --office).
#
# Usage: scripts/render-workbook.sh [WORKBOOK.xlsx] [OUT_DIR] [DPI]
#   defaults: output/2024-12/talent-report-2024-12.xlsx, output/render, 80
set -euo pipefail
cd "$(dirname "$0")/.."

workbook=${1:-output/2024-12/talent-report-2024-12.xlsx}
out=${2:-output/render}
dpi=${3:-80}
[ -f "$workbook" ] || { echo "render-workbook: $workbook not found; run scripts/run-sample.sh first" >&2; exit 1; }

bash scripts/install-deps.sh --office
mkdir -p "$out"
name=$(basename "$workbook" .xlsx)
# A private profile keeps the conversion independent of any desktop LibreOffice settings.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$out" "$workbook" >/dev/null
rm -f "$out/$name"-*.png
pdftoppm -r "$dpi" -png "$out/$name.pdf" "$out/$name"
echo "render-workbook: $(ls "$out/$name"-*.png | wc -l) pages in $out/ (PDF: $out/$name.pdf)"
