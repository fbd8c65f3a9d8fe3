#!/usr/bin/env python3
"""The benchmark's anchors: the same job as `talentstats report` on a long-layout enterprise file,
done with DuckDB (exact decimals) or pandas (exact integer cents), for scripts/bench.sh.

The job: read period,district,metric,value,unit,entity; keep rows whose period is YYYY-MM, whose
district code and metric id are in the reference data, whose value is a non-negative decimal and
whose unit is empty or the metric's; drop repeated keys (period, district, metric, entity) keeping
the first; sum to month x district x metric; and derive the annual figure (flow: sum of the months;
stock: the latest month with data). Writes `period,district_code,metric,measure,value` rows for
`month` and `annual`, to compare with talentstats' aggregates.csv.

Usage: bench_anchors.py duckdb|pandas INPUT.csv REFERENCE_DIR OUTPUT.csv [--threads N]
"""
import csv
import sys
from decimal import Decimal


def reference(folder):
    with open(f"{folder}/districts.csv", encoding="utf-8") as f:
        districts = [r["code"] for r in csv.DictReader(f) if r["type"] != "city"]
    with open(f"{folder}/metrics.csv", encoding="utf-8") as f:
        metrics = {r["id"]: (r["unit"], r["kind"]) for r in csv.DictReader(f)}
    return districts, metrics


def run_duckdb(path, ref, out, threads):
    import duckdb
    districts, metrics = reference(ref)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("CREATE TABLE d AS SELECT unnest(?) AS code", [districts])
    con.execute("CREATE TABLE m (id VARCHAR, unit VARCHAR, kind VARCHAR)")
    con.executemany("INSERT INTO m VALUES (?, ?, ?)", [(k, u, kind) for k, (u, kind) in metrics.items()])
    con.execute(f"""
        CREATE TABLE good AS
        WITH raw AS (
            SELECT row_number() OVER () AS n, * FROM read_csv('{path}', header = true, all_varchar = true,
                columns = {{'period': 'VARCHAR', 'district': 'VARCHAR', 'metric': 'VARCHAR', 'value': 'VARCHAR', 'unit': 'VARCHAR', 'entity': 'VARCHAR'}})
        ), typed AS (
            SELECT n, period, district, metric, coalesce(trim(entity), '') AS entity, m.kind,
                   TRY_CAST(value AS DECIMAL(38, 9)) AS v
            FROM raw JOIN d ON d.code = raw.district JOIN m ON m.id = raw.metric
            WHERE regexp_full_match(period, '[0-9]{{4}}-(0[1-9]|1[0-2])')
              AND regexp_full_match(value, '[0-9]+(\\.[0-9]+)?')
              AND (raw.unit IS NULL OR raw.unit = '' OR raw.unit = m.unit)
        )
        SELECT period, district, metric, kind, v FROM (
            SELECT *, row_number() OVER (PARTITION BY period, district, metric, entity ORDER BY n) AS k FROM typed
        ) WHERE k = 1 AND v IS NOT NULL
    """)
    monthly = con.execute("""
        SELECT period, district, metric, any_value(kind), sum(v) FROM good GROUP BY period, district, metric
    """).fetchall()
    write(out, monthly)


def run_pandas(path, ref, out, _threads):
    import pandas as pd
    districts, metrics = reference(ref)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    ok = df["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])") & df["district"].isin(districts) & df["metric"].isin(list(metrics))
    ok &= df["value"].str.fullmatch(r"\d+(\.\d+)?")
    units = df["metric"].map({k: u for k, (u, _) in metrics.items()})
    ok &= (df["unit"] == "") | (df["unit"] == units)
    df = df[ok]
    df = df.drop_duplicates(subset=["period", "district", "metric", "entity"], keep="first")
    # Exact: integer hundredths (the generator writes at most two decimals; others are rejected).
    parts = df["value"].str.split(".", n=1, expand=True)
    frac = parts[1].fillna("").str.ljust(2, "0") if parts.shape[1] > 1 else "00"
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
    tool, path, ref, out = sys.argv[1:5]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    {"duckdb": run_duckdb, "pandas": run_pandas}[tool](path, ref, out, threads)
