#!/usr/bin/env python3
"""The benchmark's anchor: the same job as `talentstats report` on long-layout enterprise files,
done with DuckDB (exact decimals), for scripts/bench.sh.

The job: read period,district,metric,value,unit,entity from one or more files, in the order given;
keep rows whose period is YYYY-MM, whose district code and metric id are in the reference data,
whose value is a non-negative decimal and whose unit is empty or the metric's; per key (period,
district, metric, entity) keep the first row within a file, and let a later file's row replace an
earlier file's (a resubmission supersedes; a rejected row never does); sum to month x district x
metric; and derive the annual figure (flow: sum of the months; stock: the latest month with data).
Writes `period,district_code,metric,measure,value` rows for `month` and `annual`, to compare with
talentstats' aggregates.csv.

Usage: bench_anchors.py duckdb REFERENCE_DIR OUTPUT.csv INPUT.csv [INPUT.csv ...] [--threads N]
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
    con.execute("SET preserve_insertion_order = true")  # row_number() OVER () = file order
    con.execute("CREATE TABLE d AS SELECT unnest(?) AS code", [districts])
    con.execute("CREATE TABLE m (id VARCHAR, unit VARCHAR, kind VARCHAR)")
    con.executemany("INSERT INTO m VALUES (?, ?, ?)", [(k, u, kind) for k, (u, kind) in metrics.items()])
    # The file's position in the list decides which file supersedes which.
    con.execute("CREATE TABLE f (filename VARCHAR, f INTEGER)")
    con.executemany("INSERT INTO f VALUES (?, ?)", [(p, i) for i, p in enumerate(paths)])
    files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
    con.execute(f"""
        CREATE TABLE good AS
        WITH raw AS (
            SELECT row_number() OVER () AS n, * FROM read_csv({files}, header = true, all_varchar = true, filename = true,
                columns = {{'period': 'VARCHAR', 'district': 'VARCHAR', 'metric': 'VARCHAR', 'value': 'VARCHAR', 'unit': 'VARCHAR', 'entity': 'VARCHAR'}})
        ), typed AS (
            SELECT f.f, n, period, district, metric, coalesce(trim(entity), '') AS entity, m.kind,
                   TRY_CAST(value AS DECIMAL(38, 9)) AS v
            FROM raw JOIN f USING (filename) JOIN d ON d.code = raw.district JOIN m ON m.id = raw.metric
            WHERE regexp_full_match(period, '[0-9]{{4}}-(0[1-9]|1[0-2])')
              AND regexp_full_match(value, '[0-9]+(\\.[0-9]+)?')
              AND (raw.unit IS NULL OR raw.unit = '' OR raw.unit = m.unit)
        )
        SELECT period, district, metric, kind, v FROM (
            -- the last file's first row of the key
            SELECT *, row_number() OVER (PARTITION BY period, district, metric, entity ORDER BY f DESC, n) AS k FROM typed
        ) WHERE k = 1 AND v IS NOT NULL
    """)
    monthly = con.execute("""
        SELECT period, district, metric, any_value(kind), sum(v) FROM good GROUP BY period, district, metric
    """).fetchall()
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
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=["duckdb"])
    ap.add_argument("reference")
    ap.add_argument("output")
    ap.add_argument("inputs", nargs="+", help="files in processing order: a later one supersedes an earlier one")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    run_duckdb(a.inputs, a.reference, a.output, a.threads)
