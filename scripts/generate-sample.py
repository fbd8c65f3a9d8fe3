#!/usr/bin/env python3
"""Deterministic generator of the shipped sample input (input/raw/).

Monthly raw files 2022-01..2024-12 for Dongguan's 33 districts and the seven metrics, with
magnitudes calibrated to what the city published (a city talent headcount of the order of 2.5
million in 2023 with 东城's 267,500 second, skilled workers over 3 million), that reproduce what the
city published for 东城街道 in 2023: year-end talent headcount 267,500 (second in the city),
high-level talent 27,200, new skilled workers over the year 13,673, cross-border e-commerce exports
above 1,200,000 万元 for the first time (2022 below), 47 chief technicians (首席技师) and 13 skill
leaders (技能领军人才), both first in the city.

The files deliberately vary as districts' files do: English and Chinese headers, codes, full and
short names, several period spellings, thousands separators, one wide-layout file with the export
column in 亿元, one file saved in GB18030, one with a UTF-8 BOM, CRLF line ends, and one
resubmission (2024/2024-05.v2.csv) that revises two figures of 2024-05. For 2024-12, five districts
(FORM_DISTRICTS) return the month's form instead of appearing in 2024-12.csv: with --forms BINARY,
`BINARY template` writes their forms and openpyxl (an independent writer) fills them in, into
2024/12-forms/.

Usage: scripts/generate-sample.py [--output input/raw] [--reference input/reference/districts.csv]
                                  [--forms .build/release/talentstats]
Running it twice gives identical CSV bytes (the forms' cells are identical; their zip timestamps
are not); the committed files are its output.
"""
import argparse
import csv
import io
import os
import random
from decimal import Decimal

SEED = 20231231
YEARS = (2022, 2023, 2024)
DONGCHENG = "441900003"
CHANGAN = "441900119"
# Their 2024-12 figures come back as filled-in forms (2024/12-forms/), not in 2024-12.csv.
FORM_DISTRICTS = ["441900004", "441900005", "441900006", "441900101", "441900401"]
# 松山湖 reports two metrics enterprise by enterprise (its form's 企业明细, `template --enterprise`):
# metric → how many enterprises share the district's figure; its 填报表 total is their sum.
ENTERPRISE_DISTRICT = "441900401"
ENTERPRISE_METRICS = {"high_level_talent": 8, "cross_border_export": 5}
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(body17):
    """The 18-character unified social credit code (GB 32100) of its first 17 characters."""
    total = sum(CODE_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return body17 + CODE_ALPHABET[(31 - total % 31) % 31]


def split(total, parts, rng):
    """`total` (an int, or a Decimal with two places) as `parts` positive shares that sum to it."""
    scale = 1 if isinstance(total, int) else 100
    units = int(total * scale)
    cuts = sorted(rng.sample(range(1, units), parts - 1))
    shares = [b - a for a, b in zip([0] + cuts, cuts + [units])]
    return [s if scale == 1 else Decimal(s) / 100 for s in shares]


def read_districts(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r["type"] != "city"]


def allocate(total_units, weights):
    """Splits an integer total over weights exactly (largest remainder)."""
    s = sum(weights)
    raw = [total_units * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total_units - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def months():
    return [(y, m) for y in YEARS for m in range(1, 13)]


def build(districts):
    rng = random.Random(SEED)
    ms = months()
    dec2023 = ms.index((2023, 12))
    data = {}  # (code, metric) -> list of values per month (int, or Decimal for export)
    season = [0.55, 0.7, 1.05, 1.0, 1.0, 1.1, 1.0, 0.95, 1.05, 1.1, 1.15, 1.35]
    for d in districts:
        code = d["code"]
        if code == DONGCHENG:
            level = 267500
        elif code == CHANGAN:
            level = 291800
        else:
            level = rng.randrange(30000, 120000, 100)
        growth = rng.uniform(0.003, 0.008)
        head = [round(level * (1 + growth) ** (i - dec2023)) for i in range(len(ms))]
        high_ratio = 27200 / 267500 if code == DONGCHENG else rng.uniform(0.06, 0.12)
        high = [round(h * high_ratio) for h in head]
        if code == DONGCHENG:
            high[dec2023] = 27200
        skilled_ratio = rng.uniform(1.05, 1.35)
        skilled = [round(h * skilled_ratio * (1 + rng.uniform(-0.004, 0.004))) for h in head]
        # Flows: annual totals split over months with a seasonal pattern.
        new_skilled, export = [], []
        for y in YEARS:
            if code == DONGCHENG:
                annual_new = {2022: 12410, 2023: 13673, 2024: 14102}[y]
                annual_cents = {2022: 110437218, 2023: 123684537, 2024: 135290164}[y]
            else:
                annual_new = int(head[ms.index((y, 12))] * rng.uniform(0.035, 0.06))
                annual_cents = int(head[ms.index((y, 12))] * rng.uniform(0.8, 3.2) * 100)
            w = [s * rng.uniform(0.85, 1.15) for s in season]
            new_skilled += allocate(annual_new, w)
            export += [Decimal(c) / 100 for c in allocate(annual_cents, w)]
        # Honours (stocks, whole persons): 东城 first in the city with 47 and 13 at the end of 2023.
        if code == DONGCHENG:
            chief_2023, leaders_2023 = 47, 13
        else:
            chief_2023, leaders_2023 = rng.randrange(2, 40), rng.randrange(0, 11)
        chief = [max(0, chief_2023 - 6 + (i * 6) // dec2023) if i <= dec2023 else chief_2023 + (i - dec2023) // 4
                 for i in range(len(ms))]
        leaders = [max(0, leaders_2023 - 2 + (i * 2) // dec2023) if i <= dec2023 else leaders_2023 + (i - dec2023) // 6
                   for i in range(len(ms))]
        data[(code, "chief_technicians")] = chief
        data[(code, "skill_leaders")] = leaders
        data[(code, "talent_headcount")] = head
        data[(code, "high_level_talent")] = high
        data[(code, "skilled_workers")] = skilled
        data[(code, "new_skilled_workers")] = new_skilled
        data[(code, "cross_border_export")] = export
    return data


METRICS = ["talent_headcount", "high_level_talent", "skilled_workers", "new_skilled_workers", "cross_border_export",
           "chief_technicians", "skill_leaders"]
ZH = {"talent_headcount": "人才总量", "high_level_talent": "高层次人才", "skilled_workers": "技能人才",
      "new_skilled_workers": "新增技能人才", "cross_border_export": "跨境电商出口额", "chief_technicians": "首席技师",
      "skill_leaders": "技能领军人才"}


def money(v):
    return f"{v:.2f}"


def grouped(v):
    return f"{v:,}"


def write(path, text, encoding="utf-8", bom=False, crlf=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(path, "wb") as f:
        f.write(data)


def csv_text(rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", default="input/raw")
    ap.add_argument("--reference", default="input/reference/districts.csv")
    ap.add_argument("--forms", metavar="BINARY", help="talentstats binary: also write the 2024-12 forms")
    args = ap.parse_args()
    districts = read_districts(args.reference)
    data = build(districts)
    ms = months()
    revised = {}  # the original 2024-05 file carries two typos that the resubmission corrects
    for i, (y, m) in enumerate(ms):
        period = f"{y}-{m:02d}"
        path = os.path.join(args.output, str(y), f"{period}.csv")
        if (y, m) == (2023, 6):
            # Wide layout, export in 亿元 (万元 ÷ 10,000, exact).
            rows = [["统计期", "镇街", "人才总量", "高层次人才", "技能人才", "新增技能人才", "跨境电商出口额（亿元）", "首席技师",
                     "技能领军人才"]]
            for d in districts:
                c = d["code"]
                ex = data[(c, "cross_border_export")][i] / 10000
                rows.append([f"{y}年{m}月", d["name"]] + [str(data[(c, k)][i]) for k in METRICS[:4]] + [f"{ex:f}"]
                            + [str(data[(c, k)][i]) for k in METRICS[5:]])
            write(path, csv_text(rows))
        elif y == 2022:
            rows = [["period", "district", "metric", "value", "unit"]]
            for d in districts:
                for k in METRICS:
                    v = data[(d["code"], k)][i]
                    rows.append([period, d["code"], k, money(v) if k == "cross_border_export" else str(v), "万元" if k == "cross_border_export" else "人"])
            write(path, csv_text(rows), bom=(m == 12), crlf=(m % 2 == 0))
        elif y == 2023:
            rows = [["统计期", "镇街名称", "指标名称", "数值", "计量单位"]]
            for d in districts:
                for k in METRICS:
                    v = data[(d["code"], k)][i]
                    rows.append([f"{y}年{m}月", d["name"], ZH[k], f"{v:,.2f}" if k == "cross_border_export" else grouped(v), "万元" if k == "cross_border_export" else "人"])
            write(path, csv_text(rows))
        else:
            rows = [["统计期", "镇街", "指标", "数值", "单位"]]
            for d in districts:
                if (y, m) == (2024, 12) and d["code"] in FORM_DISTRICTS:
                    continue  # returned as forms
                for k in METRICS:
                    v = data[(d["code"], k)][i]
                    if (y, m) == (2024, 5) and d["code"] == "441900004" and k == "talent_headcount":
                        revised[(d["code"], k)] = v
                        v = v * 10  # an extra zero, corrected by the resubmission
                    if (y, m) == (2024, 5) and d["code"] == "441900110" and k == "cross_border_export":
                        revised[(d["code"], k)] = v
                        v = v - Decimal("1000")
                    rows.append([f"{y}{m:02d}", d["short_name"], ZH[k], money(v) if k == "cross_border_export" else str(v), "万元" if k == "cross_border_export" else ""])
            write(path, csv_text(rows), encoding="gb18030" if (y, m) == (2024, 3) else "utf-8")
    # The resubmission: sorts after 2024-05.csv, so it supersedes the two keys it repeats.
    rows = [["period", "district", "metric", "value", "unit"]]
    for (code, k), v in sorted(revised.items()):
        rows.append(["2024-05", code, k, money(v) if k == "cross_border_export" else str(v), "万元" if k == "cross_border_export" else "人"])
    write(os.path.join(args.output, "2024", "2024-05.v2.csv"), csv_text(rows))
    if args.forms:
        write_forms(args, districts, data, ms.index((2024, 12)))


def write_forms(args, districts, data, i):
    """The forms of FORM_DISTRICTS for 2024-12, written by `talentstats template` and filled in by
    openpyxl as a clerk would (values typed as numbers, a note in 备注)."""
    import subprocess
    import tempfile
    import openpyxl

    reference = os.path.dirname(os.path.abspath(args.reference))
    folder = os.path.join(args.output, "2024", "12-forms")
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "input"))
        os.symlink(reference, os.path.join(tmp, "input", "reference"))
        for d in districts:
            if d["code"] not in FORM_DISTRICTS:
                continue
            enterprise = d["code"] == ENTERPRISE_DISTRICT
            subprocess.run([args.forms, "template", "--period", "2024-12", "--input", os.path.join(tmp, "input"),
                            "--district", d["code"], "--output", os.path.join(tmp, "forms"),
                            "--reports", os.path.join(tmp, "none"), "--quiet"] + (["--enterprise"] if enterprise else []),
                           check=True, stdout=subprocess.DEVNULL)
            name = f"2024-12-{d['name']}.xlsx"
            wb = openpyxl.load_workbook(os.path.join(tmp, "forms", "2024-12", name))
            ws = wb["填报表"]
            for r, k in enumerate(METRICS, start=6):
                v = data[(d["code"], k)][i]
                ws.cell(r, 6).value = float(v) if k == "cross_border_export" else int(v)
            ws.cell(6, 8).value = "已核对"
            if enterprise:
                # The enterprise rows: one row per enterprise, its code and name, a value for each
                # metric it reports; the 填报表 totals above are their sums (a check).
                rng = random.Random(SEED + 401)
                detail = wb["企业明细"]
                count = max(ENTERPRISE_METRICS.values())
                codes = [credit_code("914419" + "%011d" % rng.randrange(10**11)) for _ in range(count)]
                for e in range(count):
                    detail.cell(6 + e, 1).value = codes[e]
                    detail.cell(6 + e, 2).value = f"松山湖示例企业{e + 1:02d}有限公司"
                for k, parts in ENTERPRISE_METRICS.items():
                    column = 3 + METRICS.index(k)
                    v = data[(d["code"], k)][i]
                    total = Decimal(v) if k == "cross_border_export" else int(v)
                    for e, share in enumerate(split(total, parts, rng)):
                        detail.cell(6 + e, column).value = float(share) if k == "cross_border_export" else share
            wb.save(os.path.join(folder, name))


if __name__ == "__main__":
    main()
