#!/usr/bin/env bash
# Benchmark: talentstats report vs DuckDB and pandas doing the same job on enterprise-level input.
#
# Generates 1M- and 10M-row long-layout files (scripts/generate-enterprise.py, cached in .bench/),
# builds release, installs the anchors (duckdb, pandas) in a virtual environment .venv-bench from
# PyPI if missing, checks that every tool produces the same monthly and annual figures, then times
# RUNS interleaved rounds and prints the median wall time, throughput and peak memory of each.
#
# Usage: scripts/bench.sh [--rows "1000000 10000000"] [--runs 5] [--callgrind]
#   --callgrind  also count instructions per input byte for talentstats on the 1M file (valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="1000000 10000000"
runs=5
callgrind=0
while [ $# -gt 0 ]; do
  case $1 in
    --rows) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --callgrind) callgrind=1; shift ;;
    *) echo "usage: $0 [--rows \"N ...\"] [--runs N] [--callgrind]"; exit 64 ;;
  esac
done

bash scripts/install-deps.sh
swift build -c release --product talentstats >/dev/null
bin=.build/release/talentstats
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q duckdb pandas
fi
py=.venv-bench/bin/python
[ -x /usr/bin/time ] || { apt-get install -y -qq time >/dev/null; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%d), duckdb $($py -c 'import duckdb; print(duckdb.__version__)'), pandas $($py -c 'import pandas; print(pandas.__version__)')"

for rows in $sizes; do
  dir=.bench/$rows
  mkdir -p "$dir/raw" "$dir/reference"
  if [ ! -f "$dir/raw/enterprise.csv" ]; then
    python3 scripts/generate-enterprise.py "$rows" "$dir/raw/enterprise.csv" >/dev/null
  fi
  cp input/reference/*.csv "$dir/reference/"
  file=$dir/raw/enterprise.csv
  bytes=$(stat -c %s "$file")
  lines=$(($(wc -l <"$file") - 1))
  period=$(tail -1 "$file" | cut -d, -f1)
  cat "$file" >/dev/null  # warm the page cache

  # Correctness first: the same figures from every tool.
  "$bin" report --period "$period" --input "$dir" --output "$dir/out" --quiet || [ $? -eq 2 ]
  grep -E ',(month|annual),' "$dir/out/$period/aggregates.csv" | grep -v '^[0-9-]*,441900,' | LC_ALL=C sort >"$dir/talentstats.csv"
  for tool in duckdb pandas; do
    $py scripts/bench_anchors.py "$tool" "$file" "$dir/reference" "$dir/$tool.csv"
    LC_ALL=C sort -o "$dir/$tool.csv" "$dir/$tool.csv"
    if cmp -s "$dir/talentstats.csv" "$dir/$tool.csv"; then echo "$rows rows: $tool figures == talentstats ($(wc -l <"$dir/$tool.csv") monthly and annual figures)"
    else echo "$rows rows: $tool figures DIFFER from talentstats"; diff "$dir/talentstats.csv" "$dir/$tool.csv" | head; exit 1; fi
  done

  declare -A walls=() peaks=()
  commands=(
    "talentstats|$bin report --period $period --input $dir --output $dir/out --quiet"
    "duckdb-2t|$py scripts/bench_anchors.py duckdb $file $dir/reference $dir/duckdb.csv --threads 2"
    "duckdb-1t|$py scripts/bench_anchors.py duckdb $file $dir/reference $dir/duckdb.csv --threads 1"
    "pandas|$py scripts/bench_anchors.py pandas $file $dir/reference $dir/pandas.csv"
  )
  for ((r = 0; r < runs; r++)); do
    for entry in "${commands[@]}"; do
      name=${entry%%|*}
      cmd=${entry#*|}
      out=$(/usr/bin/time -f "%e %M" bash -c "$cmd >/dev/null 2>&1; s=\$?; [ \$s -eq 0 ] || [ \$s -eq 2 ]" 2>&1 | tail -1)
      walls[$name]="${walls[$name]:-} ${out% *}"
      peaks[$name]="${peaks[$name]:-} ${out#* }"
    done
  done
  median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
  base=$(echo "${walls[talentstats]}" | median)
  echo
  echo "$rows rows ($lines data rows, $((bytes / 1000000)) MB), median of $runs interleaved runs, page cache warm:"
  printf '| %-12s | %9s | %8s | %10s | %13s | %12s |\n' tool "wall (s)" "MB/s" "Mrows/s" "peak RSS MiB" "× talentstats"
  printf '|%s|%s|%s|%s|%s|%s|\n' "--------------" "-----------" "----------" "------------" "---------------" "--------------"
  for entry in "${commands[@]}"; do
    name=${entry%%|*}
    wall=$(echo "${walls[$name]}" | median)
    peak=$(echo "${peaks[$name]}" | tr ' ' '\n' | grep . | sort -g | tail -1)
    awk -v n="$name" -v w="$wall" -v p="$peak" -v b="$bytes" -v l="$lines" -v base="$base" 'BEGIN {
      printf "| %-12s | %9.2f | %8.0f | %10.2f | %13.0f | %12.2f |\n", n, w, b / 1e6 / w, l / 1e6 / w, p / 1024, w / base }'
  done
  unset walls peaks
done

if [ "$callgrind" -eq 1 ]; then
  dir=.bench/1000000
  period=$(tail -1 "$dir/raw/enterprise.csv" | cut -d, -f1)
  bytes=$(stat -c %s "$dir/raw/enterprise.csv")
  # valgrind 3.19 cannot read the DWARF 5 debug info Swift writes: count a stripped copy.
  strip -o .bench/talentstats-stripped "$bin"
  valgrind --tool=callgrind --callgrind-out-file=.bench/callgrind.out .bench/talentstats-stripped validate --period "$period" --input "$dir" --quiet >/dev/null 2>.bench/callgrind.log || true
  ir=$(grep -E '^summary:|^totals:' .bench/callgrind.out | head -1 | awk '{print $2}')
  echo
  echo "instructions (callgrind, talentstats validate, 1M rows): $ir = $(awk -v i="$ir" -v b="$bytes" 'BEGIN {printf "%.1f", i / b}') per input byte"
fi
