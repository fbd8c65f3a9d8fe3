#!/usr/bin/env python3
"""Deterministic generator of enterprise-level raw input for benchmarks (any size).

Writes one long-layout CSV, `period,district,metric,value,unit,entity`, 2022-01..2024-12, with
about 200,000 enterprises (valid-looking 18-character unified social credit codes) spread over the
districts of input/reference/districts.csv. Each enterprise reports one or two metrics every month,
with a few reporting gaps, so the stock rule (level at the latest month with data) matters.

Options for the other shapes of input (without them the output is what it always was):
  --one-month YYYY-MM  only that month of the series (2022-01..2024-12), with no reporting gaps,
                       so ROWS = enterprises x metrics each (e.g. 1000000 = 200,000 x 5)
  --shuffle            the data rows in a random order (deterministic; held in memory)
  --revise-every N     every Nth data row's value one higher, nothing else changed: with the same
                       other arguments, a full resubmission of the same keys with a few revisions

Usage: scripts/generate-enterprise.py ROWS OUTPUT.csv [--seed N] [--entities N]
           [--one-month YYYY-MM] [--shuffle] [--revise-every N]
The same arguments give the same bytes.
"""
import argparse
import csv
import random

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 character set
METRICS = [("talent_headcount", "人", 0), ("high_level_talent", "人", 0), ("skilled_workers", "人", 0),
           ("new_skilled_workers", "人", 0), ("cross_border_export", "万元", 2)]
PERIODS = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]


def credit_code(rng, district_code):
    # 1 registration dept + 1 type + 6 region + 9 organization + 1 check character.
    body = "91" + district_code[:6] + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    return body + rng.choice(CREDIT_CHARS)


def revised(line):
    """The same row with its value one higher (integer part + 1, decimals kept as written)."""
    period, district, metric, value, rest = line.split(",", 4)
    whole, dot, fraction = value.partition(".")
    return f"{period},{district},{metric},{int(whole) + 1}{dot}{fraction},{rest}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int)
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--entities", type=int, default=200_000)
    ap.add_argument("--reference", default="input/reference/districts.csv")
    ap.add_argument("--one-month", metavar="YYYY-MM", choices=PERIODS)
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--revise-every", type=int, default=0, metavar="N")
    args = ap.parse_args()
    if args.revise_every < 0:
        raise SystemExit("--revise-every must be 0 (no revisions) or more")
    rng = random.Random(args.seed)
    with open(args.reference, encoding="utf-8") as f:
        districts = [r["code"] for r in csv.DictReader(f) if r["type"] != "city"]
    # A month's index in the series sets the levels, so a one-month file has that month's values.
    periods = list(enumerate(PERIODS))
    gap, reported = 0.03, 0.97  # the chance of a reporting gap, and the share of rows reported
    if args.one_month:
        periods = [(PERIODS.index(args.one_month), args.one_month)]
        gap, reported = 0.0, 1.0  # the gaps serve the stock rule across months; one month has none
    # Metrics per enterprise, on average, so that ROWS fill the months (with 3% gaps).
    per_entity = args.rows / (args.entities * len(periods) * reported)
    if per_entity > len(METRICS):
        raise SystemExit(f"{args.rows} rows need more than {args.entities} entities; raise --entities")
    entities = []
    seen = set()
    while len(entities) < args.entities:
        d = rng.choice(districts)
        code = credit_code(rng, d)
        if code in seen:
            continue
        seen.add(code)
        count = int(per_entity) + (1 if rng.random() < per_entity - int(per_entity) else 0)
        metrics = rng.sample(range(len(METRICS)), max(1, min(len(METRICS), count)))
        base = [rng.randint(1, 400) for _ in METRICS]
        entities.append((code, d, metrics, base))
    written = 0
    kept = []  # every data row, when they are to be shuffled
    with open(args.output, "w", encoding="utf-8", newline="") as out:
        out.write("period,district,metric,value,unit,entity\n")
        lines = []

        def flush():
            if args.revise_every:
                start = written - len(lines)  # rows before this batch
                for i in range(args.revise_every - 1 - start % args.revise_every, len(lines),
                               args.revise_every):
                    lines[i] = revised(lines[i])
            out.write("".join(lines))
            lines.clear()

        for p_index, period in periods:
            for code, district, metrics, base in entities:
                for m in metrics:
                    if written >= args.rows:
                        break
                    if gap and rng.random() < gap:  # a reporting gap
                        continue
                    name, unit, decimals = METRICS[m]
                    level = base[m] + p_index * (base[m] // 40 + 1)
                    if decimals:
                        value = f"{level * 3 + rng.random():.2f}"
                    elif name == "new_skilled_workers":
                        value = str(rng.randint(0, 9))
                    else:
                        value = str(level)
                    line = f"{period},{district},{name},{value},{unit if rng.random() < 0.5 else ''},{code}\n"
                    (kept if args.shuffle else lines).append(line)
                    written += 1
                if len(lines) >= 100_000:
                    flush()
        if args.shuffle:
            rng.shuffle(kept)
            lines = kept
        flush()
    if written < args.rows:
        raise SystemExit(f"only {written} rows fit {args.entities} entities over {len(periods)} months; "
                         "raise --entities")
    span = f"{periods[0][1]}..{periods[-1][1]}" if len(periods) > 1 else periods[0][1]
    order = ", shuffled" if args.shuffle else ""
    revisions = f", every {args.revise_every}th value +1" if args.revise_every else ""
    print(f"{written} rows, {args.entities} enterprises, {span}{order}{revisions} → {args.output}")


if __name__ == "__main__":
    main()
