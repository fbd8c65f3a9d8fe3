#!/usr/bin/env bash
# What cron calls once a month: runs `talentstats report` for the previous month with the
# configuration file, appends the log to a file, prints nothing when all is well (so cron sends no
# mail), prints the run's messages when it is not, and exits with talentstats' own status.
#
# Environment (all optional):
#   TALENTSTATS_HOME    the checkout (default: this script's parent folder)
#   TALENTSTATS_BIN     the binary (default: $TALENTSTATS_HOME/.build/release/talentstats)
#   TALENTSTATS_CONFIG  the configuration file (default: $TALENTSTATS_HOME/talentstats.toml if present)
#   TALENTSTATS_LOG     the log file (default: $TALENTSTATS_HOME/output/talentstats.log)
# Extra arguments are passed on, e.g. `--period 2024-12` to redo a month.
set -uo pipefail

home=${TALENTSTATS_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${TALENTSTATS_BIN:-$home/.build/release/talentstats}
log=${TALENTSTATS_LOG:-$home/output/talentstats.log}
# cron starts with a bare environment: UTF-8 for file names and messages, a usable PATH.
export LANG=C.UTF-8 LC_ALL=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin:${PATH:-}

cd "$home" || { echo "monthly-report: cannot enter $home; set TALENTSTATS_HOME"; exit 1; }
if [ ! -x "$bin" ]; then
  echo "monthly-report: $bin is missing; build it with 'swift build -c release' in $home (or run scripts/run-sample.sh)"
  exit 1
fi
args=(report --quiet --log-file "$log")
if [ -n "${TALENTSTATS_CONFIG:-}" ]; then args+=(--config "$TALENTSTATS_CONFIG"); fi
mkdir -p "$(dirname "$log")"

messages=$(mktemp)
trap 'rm -f "$messages"' EXIT
"$bin" "${args[@]}" "$@" >"$messages" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  cat "$messages"
  case $status in
    2) echo "monthly-report: published with data-quality findings (exit 2): check rejects.csv and the 数据质量 sheets, ask the districts to resubmit, then rerun" ;;
    75) echo "monthly-report: another run was in progress (exit 75); nothing was done" ;;
    *) echo "monthly-report: failed (exit $status); nothing was published, the previous report is unchanged. Log: $log" ;;
  esac
fi
exit "$status"
