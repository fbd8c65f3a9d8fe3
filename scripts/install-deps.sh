#!/usr/bin/env bash
# Installs what talentstats needs from Debian when it is missing: libxlsxwriter (the C library the
# workbook is written with), SQLite (the release store, and its command-line shell) and pkg-config
# (how Swift finds them). With --office, also what the tests
# and scripts/render-workbook.sh use to open the workbook in a real spreadsheet application:
# LibreOffice Calc (headless), poppler-utils (pdftoppm) and Noto CJK fonts; and openpyxl, the
# independent writer the tests fill in workbooks with.
# Safe to run again; needs root or sudo.
set -euo pipefail

missing=()
if [ "${1:-}" = "--office" ]; then
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
  /usr/bin/python3 -c "import openpyxl" 2>/dev/null || missing+=(python3-openpyxl)
fi
pkg-config --version >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists xlsxwriter 2>/dev/null || missing+=(libxlsxwriter-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: nothing to install (libxlsxwriter $(pkg-config --modversion xlsxwriter 2>/dev/null || echo '?') present)"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
