#!/usr/bin/env bash
# Benchmark: talentstats report against the plain-C floor (../shared/bench/limit.c built with
# -DDEDUP: the same job with the duplicate-key check, trusting its input) and DuckDB (2 threads,
# scripts/bench_anchors.py) doing the same job, on four input shapes:
#   a  ROWS_A rows (10M), 36 months in one file (scripts/generate-enterprise.py ROWS_A OUT)
#   b  ROWS_B rows (1M), one month (2024-12), 200,000 enterprises, rows in random order
#   c  a 100,000-row file and its full resubmission (raw/enterprise.csv, raw/enterprise.v2.csv: the
#      same rows, every 50th value + 1); talentstats also runs on the first file alone. The C floor
#      runs once per file, one after the other in one shell command, and does NOT supersede (it sums
#      each file on its own): it is the floor of reading both, not of the resubmission rule.
#   d  the rows of (a) split into 36 monthly files raw/2022-01.csv .. raw/2024-12.csv (each with the
#      header); the C floor runs once per file in one shell loop, timed as one command.
# Every run is `talentstats report --period 2024-12 --input DIR --output DIR/out --quiet` (exit 0 or
# 2 is success). First the figures are checked: DuckDB's monthly and annual figures must equal
# talentstats' aggregates.csv (districts; the city row is a sum of them) on every shape. Then RUNS
# interleaved rounds (every tool of every shape once per round) are timed with /usr/bin/time; the
# tables give the medians of wall time and of peak RSS, and ratios to the C floor and to DuckDB of
# the same shape, all from this run (the machines are shared and noisy: quote ratios, not seconds).
# The tables and the targets (PASS/FAIL) are printed and written to .bench/results.md.
#
# Data is generated once into .bench/ (git-ignored) and reused; 10M rows take the generator about
# two minutes (--data-a FILE takes a file `generate-enterprise.py 10000000 FILE` wrote instead).
#
# Usage: scripts/bench.sh [--runs 3] [--shapes "a b c d"] [--quick] [--bin PATH] [--data-a FILE]
#                         [--limit-c PATH]
#   --quick      1M rows for a and d, 100k for b (c is always 100k + 100k)
#   --bin PATH   the talentstats binary (default .build/release/talentstats, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
shapes="a b c d"
quick=0
bin=""
data_a=""
limit_c=../shared/bench/limit.c
usage() { echo "usage: $0 [--runs N] [--shapes \"a b c d\"] [--quick] [--bin PATH] [--data-a FILE] [--limit-c PATH]" >&2; exit 64; }
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --shapes) shapes=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --bin) bin=$2; shift 2 ;;
    --data-a) data_a=$2; shift 2 ;;
    --limit-c) limit_c=$2; shift 2 ;;
    *) usage ;;
  esac
done
for s in $shapes; do case $s in a|b|c|d) ;; *) echo "unknown shape $s" >&2; usage ;; esac; done
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage
has() { [[ " $shapes " == *" $1 "* ]]; }

rows_a=10000000 rows_b=1000000 rows_c=100000
if [ "$quick" -eq 1 ]; then rows_a=1000000 rows_b=100000; fi
period=2024-12

# --- tools -------------------------------------------------------------------------------------
if [ -z "$bin" ]; then
  bin=.build/release/talentstats
  if [ ! -x "$bin" ]; then
    bash scripts/install-deps.sh
    swift build -c release --product talentstats >/dev/null
  fi
fi
[ -x "$bin" ] || { echo "no talentstats binary at $bin" >&2; exit 1; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
mkdir -p .bench
floor=.bench/limit-dedup
[ -f "$limit_c" ] || { echo "no C floor source at $limit_c (--limit-c PATH)" >&2; exit 1; }
if [ ! -x "$floor" ] || [ "$limit_c" -nt "$floor" ]; then
  # shellcheck disable=SC2046
  cc -O2 -DDEDUP -o "$floor" "$limit_c" $(pkg-config --cflags --libs xlsxwriter)
fi
if [ ! -x .venv-bench/bin/python ]; then
  rm -f .venv-bench  # a dangling link left by an older checkout
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q duckdb
fi
py=.venv-bench/bin/python

# --- data (cached in .bench/) ------------------------------------------------------------------
# Enough enterprises to reach 2024-12: the generator stops at ROWS, and 200,000 enterprises fill
# only 10M rows' worth of 36 months; for fewer rows, one metric each over about ROWS/35 of them.
entities_for() { if [ "$1" -ge 7000000 ]; then echo 200000; else echo $(($1 / 3485 * 100 + 100)); fi; }
prepare() {  # DIR: raw/ and reference/
  mkdir -p "$1/raw" "$1/reference"
  cp input/reference/*.csv "$1/reference/"
}
gen_long() {  # ROWS FILE
  [ -f "$2" ] && return
  if [ -n "$data_a" ] && [ "$1" -eq 10000000 ]; then
    ln "$data_a" "$2.tmp" 2>/dev/null || cp "$data_a" "$2.tmp"
  else
    python3 scripts/generate-enterprise.py "$1" "$2.tmp" --entities "$(entities_for "$1")" >/dev/null
  fi
  mv "$2.tmp" "$2"
}
A=.bench/a-$rows_a B=.bench/b-$rows_b C=.bench/c-$rows_c C1=.bench/c1-$rows_c D=.bench/d-$rows_a
if has a || has d; then
  prepare "$A"
  gen_long "$rows_a" "$A/raw/enterprise.csv"
fi
if has b; then
  prepare "$B"
  if [ ! -f "$B/raw/enterprise.csv" ]; then
    python3 scripts/generate-enterprise.py "$rows_b" "$B/raw/enterprise.csv.tmp" --one-month "$period" --shuffle >/dev/null
    mv "$B/raw/enterprise.csv.tmp" "$B/raw/enterprise.csv"
  fi
fi
if has c; then
  prepare "$C"
  prepare "$C1"
  gen_long "$rows_c" "$C/raw/enterprise.csv"
  if [ ! -f "$C/raw/enterprise.v2.csv" ]; then
    # every 50th data row's value + 1 (keeping its decimals)
    awk -F, -v OFS=, 'NR > 1 && (NR - 1) % 50 == 0 { i = index($4, "."); $4 = i ? (substr($4, 1, i - 1) + 1) substr($4, i) : $4 + 1 } { print }' \
      "$C/raw/enterprise.csv" >"$C/raw/enterprise.v2.csv.tmp"
    mv "$C/raw/enterprise.v2.csv.tmp" "$C/raw/enterprise.v2.csv"
  fi
  [ -f "$C1/raw/enterprise.csv" ] || ln "$C/raw/enterprise.csv" "$C1/raw/enterprise.csv"
fi
if has d; then
  prepare "$D"
  if [ ! -f "$D/.complete" ]; then
    rm -f "$D"/raw/*.csv
    # the generator writes month by month, so a change of period starts the next file
    awk -F, -v dir="$D/raw" 'NR == 1 { h = $0; next } $1 != cur { if (f) close(f); cur = $1; f = dir "/" cur ".csv"; print h > f } { print > f }' \
      "$A/raw/enterprise.csv"
    [ "$(find "$D/raw" -name '*.csv' | wc -l)" -eq 36 ] || { echo "expected 36 monthly files in $D/raw" >&2; exit 1; }
    touch "$D/.complete"
  fi
fi

# --- the commands -----------------------------------------------------------------------------
# per shape: "tool|command" entries; the first is talentstats
ts() { echo "$bin report --period $period --input $1 --output $1/out --quiet"; }
# the raw files in byte order of their names: talentstats' processing order (later supersedes)
inputs() { [ -d "$1/raw" ] && (cd "$1/raw" && LC_ALL=C ls -- *.csv) | sed "s|^|$1/raw/|" | tr '\n' ' '; }
dk() { echo "$py scripts/bench_anchors.py duckdb $1/reference $1/duckdb.csv $(inputs "$1")--threads 2"; }
declare -A tools=()
tools[a]="talentstats|$(ts "$A")
C floor (dedup)|mkdir -p $A/floor && $floor $A/raw/enterprise.csv $A/floor
DuckDB (2 threads)|$(dk "$A")"
tools[b]="talentstats|$(ts "$B")
C floor (dedup)|mkdir -p $B/floor && $floor $B/raw/enterprise.csv $B/floor
DuckDB (2 threads)|$(dk "$B")"
tools[c]="talentstats (v1 + v2)|$(ts "$C")
talentstats (v1 only)|$(ts "$C1")
C floor (dedup, v1 then v2, no supersede)|mkdir -p $C/floor1 $C/floor2 && $floor $C/raw/enterprise.csv $C/floor1 && $floor $C/raw/enterprise.v2.csv $C/floor2
DuckDB (2 threads, v1 + v2)|$(dk "$C")"
tools[d]="talentstats|$(ts "$D")
C floor (dedup, 36 runs)|mkdir -p $D/floor && for f in $D/raw/*.csv; do $floor \$f $D/floor || exit 1; done
DuckDB (2 threads)|$(dk "$D")"
declare -A desc=(
  [a]="(a) $rows_a rows, 36 months in one file"
  [b]="(b) $rows_b rows, one month ($period), rows in random order"
  [c]="(c) $rows_c rows + full resubmission (enterprise.v2.csv, every 50th value + 1)"
  [d]="(d) the rows of (a) in 36 monthly files"
)

run_ok() {  # COMMAND: exit 0 or 2 is success
  local s=0
  bash -c "$1" >/dev/null 2>&1 || s=$?
  [ $s -eq 0 ] || [ $s -eq 2 ] || { echo "failed (exit $s): $1" >&2; exit 1; }
}
figures() {  # DIR: talentstats' district monthly and annual figures, as bench_anchors.py writes them
  grep -E ',(month|annual),' "$1/out/$period/aggregates.csv" | grep -v '^[0-9-]*,441900,' | LC_ALL=C sort
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), talentstats $($bin --version 2>/dev/null || echo '?') ($bin), duckdb $($py -c 'import duckdb; print(duckdb.__version__)'), C floor $limit_c -DDEDUP"

# --- correctness first: the same figures from talentstats and DuckDB --------------------------
for s in $shapes; do
  case $s in a) dirs="$A" ;; b) dirs="$B" ;; c) dirs="$C $C1" ;; d) dirs="$D" ;; esac
  for dir in $dirs; do
    find "$dir/raw" -type f -exec cat {} + >/dev/null  # warm the page cache
    run_ok "$(ts "$dir")"
    figures "$dir" >"$dir/talentstats.csv"
    run_ok "$(dk "$dir")"
    LC_ALL=C sort -o "$dir/duckdb.csv" "$dir/duckdb.csv"
    if cmp -s "$dir/talentstats.csv" "$dir/duckdb.csv"; then
      echo "shape $s ($dir): DuckDB figures == talentstats ($(wc -l <"$dir/duckdb.csv") monthly and annual figures)"
    else
      echo "shape $s ($dir): DuckDB figures DIFFER from talentstats aggregates.csv" >&2
      diff "$dir/talentstats.csv" "$dir/duckdb.csv" | head >&2
      exit 1
    fi
  done
done

# --- timing: interleaved rounds ---------------------------------------------------------------
declare -A walls=() peaks=()
for ((r = 1; r <= runs; r++)); do
  for s in $shapes; do
    while IFS= read -r entry; do
      name=${entry%%|*} cmd=${entry#*|}
      if ! out=$(/usr/bin/time -f "%e %M" bash -c "$cmd >/dev/null 2>&1; s=\$?; [ \$s -eq 0 ] || [ \$s -eq 2 ]" 2>&1); then
        echo "failed: $cmd" >&2; echo "$out" >&2; exit 1
      fi
      out=$(tail -1 <<<"$out")
      walls[$s:$name]="${walls[$s:$name]:-} ${out% *}"
      peaks[$s:$name]="${peaks[$s:$name]:-} ${out#* }"
    done <<<"${tools[$s]}"
  done
  echo "round $r of $runs done" >&2
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# --- report ---------------------------------------------------------------------------------
md=.bench/results.md
{
  echo "# talentstats benchmark"
  echo
  echo "$(nproc) cores; $(date -u +%Y-%m-%d); talentstats $($bin --version 2>/dev/null || echo '?') (\`$bin\`); duckdb $($py -c 'import duckdb; print(duckdb.__version__)'); medians of $runs interleaved rounds, page cache warm; peak RSS is the median of each run's maximum resident set."
  declare -A W=() P=()
  for s in $shapes; do
    echo
    echo "### ${desc[$s]}"
    echo
    floor_name=$(sed -n 's/|.*//p' <<<"${tools[$s]}" | grep '^C floor')
    duck_name=$(sed -n 's/|.*//p' <<<"${tools[$s]}" | grep '^DuckDB')
    fw=$(echo "${walls[$s:$floor_name]}" | median)
    dw=$(echo "${walls[$s:$duck_name]}" | median)
    echo "| tool | median wall s | peak RSS MiB | × C floor (dedup) | × DuckDB |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    while IFS= read -r entry; do
      name=${entry%%|*}
      w=$(echo "${walls[$s:$name]}" | median)
      p=$(echo "${peaks[$s:$name]}" | median)
      W[$s:$name]=$w P[$s:$name]=$p
      awk -v n="$name" -v w="$w" -v p="$p" -v f="$fw" -v d="$dw" 'BEGIN {
        printf "| %s | %.2f | %.0f | %.2f | %.2f |\n", n, w, p / 1024, w / f, w / d }'
    done <<<"${tools[$s]}"
    if [ "$s" = c ]; then
      awk -v a="${W[c:talentstats (v1 + v2)]}" -v b="${W[c:talentstats (v1 only)]}" 'BEGIN {
        printf "\ntalentstats with the resubmission / without: %.2f×\n", a / b }'
    fi
  done
  echo
  echo "### Targets"
  echo
  echo "| target | measured | result |"
  echo "| --- | --- | --- |"
  check() {  # LABEL MEASURED-TEXT CONDITION(awk expression)
    local ok; ok=$(awk "BEGIN { print ($3) ? \"PASS\" : \"FAIL\" }")
    echo "| $1 | $2 | $ok |"
  }
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  mib() { awk -v p="$1" 'BEGIN { printf "%.0f", p / 1024 }'; }
  if has a; then
    t=${W[a:talentstats]} f=${W[a:C floor (dedup)]}
    check "(a) talentstats ≤ 1.0× C floor (dedup)" "$(ratio "$t" "$f")×" "$t <= 1.0 * $f"
    check "(a) talentstats peak RSS ≤ 256 MiB" "$(mib "${P[a:talentstats]}") MiB" "${P[a:talentstats]} <= 256 * 1024"
  fi
  if has b; then
    t=${W[b:talentstats]} f=${W[b:C floor (dedup)]}
    check "(b) talentstats ≤ 2.0× C floor (dedup)" "$(ratio "$t" "$f")×" "$t <= 2.0 * $f"
  fi
  if has c; then
    t=${W[c:talentstats (v1 + v2)]} o=${W[c:talentstats (v1 only)]}
    check "(c) talentstats with v2 ≤ 2.5× without" "$(ratio "$t" "$o")×" "$t <= 2.5 * $o"
  fi
  if has d; then
    if has a; then
      check "(d) talentstats (d) ≤ 1.2× talentstats (a)" "$(ratio "${W[d:talentstats]}" "${W[a:talentstats]}")×" "${W[d:talentstats]} <= 1.2 * ${W[a:talentstats]}"
    else
      echo "| (d) talentstats (d) ≤ 1.2× talentstats (a) | shape a not run | n/a |"
    fi
  fi
  for s in $shapes; do
    if [ "$s" = c ]; then t=${W[c:talentstats (v1 + v2)]}; else t=${W[$s:talentstats]}; fi
    duck_name=$(sed -n 's/|.*//p' <<<"${tools[$s]}" | grep '^DuckDB')
    d=${W[$s:$duck_name]}
    check "($s) DuckDB slower than talentstats" "DuckDB $(ratio "$d" "$t")× talentstats" "$d > $t"
  done
} | tee "$md"
echo
echo "written to $md" >&2
