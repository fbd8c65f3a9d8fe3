#!/usr/bin/env python3
"""Deterministic generator of enterprise-level raw input for benchmarks (any size).

Writes one long-layout CSV, `period,district,metric,value,unit,entity`, 2022-01..2024-12, with
about 200,000 enterprises (valid-looking 18-character unified social credit codes) spread over the
districts of input/reference/districts.csv. Each enterprise reports one or two metrics every month,
with a few reporting gaps, so the stock rule (level at the latest month with data) matters.

Usage: scripts/generate-enterprise.py ROWS OUTPUT.csv [--seed N] [--entities N] [--one-month YYYY-MM] [--shuffle]
  --one-month  write one month only (no reporting gaps, so 1M rows fill 200,000 enterprises x 5 metrics);
               the levels are those the month would have in the 36-month series
  --shuffle    write the rows in random order (holds all rows in memory: meant for a few million rows)
The same arguments give the same bytes; without the two options the output is as it always was.
"""
import argparse
import csv
import random

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 character set
METRICS = [("talent_headcount", "人", 0), ("high_level_talent", "人", 0), ("skilled_workers", "人", 0),
           ("new_skilled_workers", "人", 0), ("cross_border_export", "万元", 2)]


def credit_code(rng, district_code):
    # 1 registration dept + 1 type + 6 region + 9 organization + 1 check character.
    body = "91" + district_code[:6] + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    return body + rng.choice(CREDIT_CHARS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int)
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--entities", type=int, default=200_000)
    ap.add_argument("--reference", default="input/reference/districts.csv")
    ap.add_argument("--one-month", metavar="YYYY-MM")
    ap.add_argument("--shuffle", action="store_true")
    args = ap.parse_args()
    gap = 0.0 if args.one_month else 0.03
    rng = random.Random(args.seed)
    with open(args.reference, encoding="utf-8") as f:
        districts = [r["code"] for r in csv.DictReader(f) if r["type"] != "city"]
    # Metrics per enterprise, on average, so that ROWS fill the 36 months (with 3% gaps).
    months = 1 if args.one_month else 36
    per_entity = args.rows / (args.entities * months * (1 - gap))
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
    periods = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]
    if args.one_month:
        y, m = (int(x) for x in args.one_month.split("-"))
        months = [(max(0, (y - 2022) * 12 + m - 1), args.one_month)]
    else:
        months = list(enumerate(periods))
    written = 0
    with open(args.output, "w", encoding="utf-8", newline="") as out:
        out.write("period,district,metric,value,unit,entity\n")
        lines = []
        for p_index, period in months:
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
                    lines.append(f"{period},{district},{name},{value},{unit if rng.random() < 0.5 else ''},{code}\n")
                    written += 1
                if len(lines) >= 100_000 and not args.shuffle:
                    out.write("".join(lines))
                    lines.clear()
        if args.shuffle:
            rng.shuffle(lines)
        out.write("".join(lines))
    span = args.one_month or "2022-01..2024-12"
    if written < args.rows:
        raise SystemExit(f"only {written} rows fit {args.entities} entities over {span}; raise --entities")
    print(f"{written} rows, {args.entities} enterprises, {span}{', shuffled' if args.shuffle else ''} → {args.output}")


if __name__ == "__main__":
    main()
