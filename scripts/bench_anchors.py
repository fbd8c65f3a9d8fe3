#!/usr/bin/env python3
"""The benchmark's anchors: the same job as `talentstats report` on long-layout enterprise files,
done with DuckDB (exact decimals) or pandas (exact integer cents), for scripts/bench.sh.

The job: read period,district,metric,value,unit,entity from each input file; keep rows whose period
is YYYY-MM, whose district code and metric id are in the reference data, whose value is a
non-negative decimal and whose unit is empty or the metric's; keep one row per key (period,
district, metric, entity): the key's row from the LAST file that has it (a resubmission supersedes
the earlier file), and within that file its FIRST row (a repeat in the same file is a duplicate);
sum to month x district x metric; and derive the annual figure (flow: sum of the months; stock: the
latest month with data). Writes `period,district_code,metric,measure,value` rows for `month` and
`annual`, to compare with talentstats' aggregates.csv.

The files are taken in the order given: pass them in talentstats' processing order (the byte order
of their paths under raw/).

Usage: bench_anchors.py duckdb|pandas REFERENCE_DIR OUTPUT.csv INPUT.csv [INPUT.csv ...] [--threads N]
"""
import argparse
import csv
from decimal import Decimal


def reference(folder):
    with open(f"{folder}/districts.csv", encoding="utf-8") as f:
        districts = [r["code"] for r in csv.DictReader(f) if r["type"] != "city"]
    with open(f"{folder}/metrics.csv", encoding="utf-8") as f:
        metrics = {r["id"]: (r["unit"], r["kind"]) for r in csv.DictReader(f)}
    return districts, metrics


def run_duckdb(paths, ref, out, threads):
    import duckdb
    districts, metrics = reference(ref)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = true")  # the default; row_number() OVER () relies on it
    con.execute("CREATE TABLE d AS SELECT unnest(?) AS code", [districts])
    con.execute("CREATE TABLE m (id VARCHAR, unit VARCHAR, kind VARCHAR)")
    con.executemany("INSERT INTO m VALUES (?, ?, ?)", [(k, u, kind) for k, (u, kind) in metrics.items()])
    # Which file a row came from: its position in the list (read_csv's `filename` is the path given).
    con.execute("CREATE TABLE f (filename VARCHAR, f INTEGER)")
    con.executemany("INSERT INTO f VALUES (?, ?)", [(p, i) for i, p in enumerate(paths)])
    # n: the row's place in the scan, which keeps the files' order and each file's row order
    # (preserve_insertion_order, DuckDB's default). One row per key: the last file, then the first
    # row in it, i.e. the least (-f, n), packed into one BIGINT for arg_min (n < 2^40). A GROUP BY
    # with arg_min takes half the time of keeping row_number() OVER (PARTITION BY the key ORDER BY
    # -f, n) = 1 (10M rows, DuckDB 2.0.1: 14 s of CPU against 28 s), so the anchor is not slowed by
    # its SQL; a row that is rejected (v NULL included) never supersedes, as in talentstats.
    monthly = con.execute(f"""
        WITH raw AS (
            SELECT row_number() OVER () AS n, * FROM read_csv(?, header = true, filename = true,
                columns = {{'period': 'VARCHAR', 'district': 'VARCHAR', 'metric': 'VARCHAR',
                            'value': 'VARCHAR', 'unit': 'VARCHAR', 'entity': 'VARCHAR'}})
        ), typed AS (
            SELECT period, district, metric, coalesce(trim(entity), '') AS entity,
                   TRY_CAST(value AS DECIMAL(38, 9)) AS v, n - f.f * 1099511627776 AS rank
            FROM raw JOIN f USING (filename) JOIN d ON d.code = raw.district JOIN m ON m.id = raw.metric
            WHERE regexp_full_match(period, '[0-9]{{4}}-(0[1-9]|1[0-2])')
              AND regexp_full_match(value, '[0-9]+(\\.[0-9]+)?')
              AND (raw.unit IS NULL OR raw.unit = '' OR raw.unit = m.unit)
        ), kept AS (
            SELECT period, district, metric, arg_min(v, rank) AS v
            FROM typed WHERE v IS NOT NULL GROUP BY period, district, metric, entity
        )
        SELECT period, district, metric, any_value(m.kind), sum(v)
        FROM kept JOIN m ON m.id = kept.metric GROUP BY period, district, metric
    """, [list(paths)]).fetchall()
    write(out, monthly)


def run_pandas(paths, ref, out, _threads):
    import pandas as pd
    districts, metrics = reference(ref)
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False).assign(f=i) for i, p in enumerate(paths)]
    df = pd.concat(frames, ignore_index=True)
    ok = df["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])") & df["district"].isin(districts) & df["metric"].isin(list(metrics))
    ok &= df["value"].str.fullmatch(r"\d+(\.\d+)?")
    units = df["metric"].map({k: u for k, (u, _) in metrics.items()})
    ok &= (df["unit"] == "") | (df["unit"] == units)
    df = df[ok]
    # Later files first, each file's rows in their order (a stable sort), then the first of each key.
    df = df.sort_values("f", ascending=False, kind="stable")
    df = df.drop_duplicates(subset=["period", "district", "metric", "entity"], keep="first")
    # Exact: integer hundredths (the generator writes at most two decimals; others are rejected).
    parts = df["value"].str.partition(".")
    frac = parts[2].str.ljust(2, "0")
    too_precise = frac.str.len() > 2
    df = df.assign(cents=parts[0].astype("int64") * 100 + frac.str[:2].astype("int64"))[~too_precise]
    g = df.groupby(["period", "district", "metric"], sort=False)["cents"].sum().reset_index()
    monthly = [(r.period, r.district, r.metric, metrics[r.metric][1], Decimal(int(r.cents)) / 100) for r in g.itertuples()]
    write(out, monthly)


def write(out, monthly):
    annual = {}
    for period, district, metric, kind, value in monthly:
        year = period[:4]
        key = (year, district, metric)
        if kind == "flow":
            annual[key] = annual.get(key, (None, Decimal(0)))[0], annual.get(key, (None, Decimal(0)))[1] + value
        else:
            latest = annual.get(key)
            if latest is None or latest[0] < period:
                annual[key] = (period, value)
    rows = [(p, d, m, "month", v) for p, d, m, _, v in monthly] + [(y, d, m, "annual", v) for (y, d, m), (_, v) in annual.items()]
    rows.sort()
    with open(out, "w", encoding="utf-8") as f:
        for p, d, m, measure, v in rows:
            text = format(v.normalize(), "f") if v != 0 else "0"
            f.write(f"{p},{d},{m},{measure},{text}\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="DuckDB or pandas doing talentstats' monthly and annual sums")
    ap.add_argument("tool", choices=["duckdb", "pandas"])
    ap.add_argument("reference", help="folder with districts.csv and metrics.csv")
    ap.add_argument("output", help="where to write period,district_code,metric,measure,value")
    ap.add_argument("inputs", nargs="+", help="input files in processing order (a later file supersedes)")
    ap.add_argument("--threads", type=int, default=2, help="DuckDB's threads (default 2)")
    args = ap.parse_args()
    {"duckdb": run_duckdb, "pandas": run_pandas}[args.tool](args.inputs, args.reference, args.output, args.threads)
