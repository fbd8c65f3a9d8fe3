#!/usr/bin/python3
"""Workbooks for the tests, written by writers independent of talentstats.

  workbooks.py from-csv RAW_IN RAW_OUT   every *.csv under RAW_IN as an .xlsx under RAW_OUT
                                         (openpyxl; numbers typed as numbers, some as text,
                                         periods of every other file typed as dates)
  workbooks.py cells OUT.xlsx            a hand-built package with every kind of cell
  workbooks.py hostile DIR               the bad workbooks, one file each
  workbooks.py fill-forms FORMS CSV OUT  fills each form of talentstats template in FORMS with the
                                         long-layout CSV's values (openpyxl), saved under OUT;
                                         `tamper-*` variants too when OUT ends in /tampered
"""
import csv
import datetime
import io
import os
import re
import sys
import zipfile

NUMBER = re.compile(r"^\d+(\.\d+)?$")
PERIOD = re.compile(r"^(\d{4})-?(\d{2})$")


def read_csv(path):
    raw = open(path, "rb").read()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(io.StringIO(raw.decode(enc))))
        except UnicodeDecodeError:
            continue
    raise SystemExit(f"cannot decode {path}")


def from_csv(src, dst):
    import openpyxl

    n = 0
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.lower().endswith(".csv"):
                continue
            rows = read_csv(os.path.join(root, name))
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = "数据"
            as_dates = n % 2 == 1
            header = [h.strip() for h in rows[0]]
            period_col = next((i for i, h in enumerate(header) if h in ("统计期", "period", "报告期")), 0)
            for r, row in enumerate(rows):
                out = []
                for c, text in enumerate(row):
                    if r > 0 and c == period_col and as_dates and PERIOD.match(text):
                        y, m = PERIOD.match(text).groups()
                        out.append(datetime.date(int(y), int(m), 1))
                    elif r > 0 and NUMBER.match(text) and c != period_col and (r + c) % 7 != 0:
                        out.append(float(text) if "." in text else int(text))
                    else:
                        out.append(text)  # text, and every 7th number as text
                ws.append(out)
                if r > 0 and as_dates:
                    ws.cell(row=r + 1, column=period_col + 1).number_format = "yyyy-mm"
            rel = os.path.relpath(os.path.join(root, name), src)
            target = os.path.join(dst, rel[:-4] + ".xlsx")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            wb.save(target)
            n += 1
    print(n)


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WB_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""


def workbook_xml(date1904=False, prefix=""):
    p = prefix + ":" if prefix else ""
    ns = f' xmlns:{prefix}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' if prefix else ' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    pr = f'<{p}workbookPr date1904="1"/>' if date1904 else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><{p}workbook{ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{pr}<{p}sheets><{p}sheet name="报表" sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>')


STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="4" applyNumberFormat="1"/></cellXfs></styleSheet>"""


def package(path, sheet, shared=(), date1904=False, prefix="", extra=None, skip=()):
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(shared) + "</sst>")
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook_xml(date1904, prefix),
        "xl/_rels/workbook.xml.rels": WB_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": sst,
        "xl/worksheets/sheet1.xml": sheet,
    }
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            if name not in skip:
                z.writestr(name, text)


def sheet_xml(rows, prefix="", tail=""):
    p = prefix + ":" if prefix else ""
    ns = f' xmlns:{prefix}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' if prefix else ' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet{ns}><{p}sheetData>' + "".join(rows)
            + f"</{p}sheetData>{tail}</{p}worksheet>")


def cells(out):
    """Every kind of cell, with the figure each row must give (asserted by the test):
    row 2  shared strings, a number                       东城 talent_headcount 2024-12 = 100
    row 3  inline strings (rich text runs), number as text 南城 talent_headcount = 200
    row 4  the period as a date serial (1900 system, 年月 format), a formula with its cached value
                                                           万江 talent_headcount = 300
    row 5  an empty row (no cells) -- row 6 a row of styled empty cells
    row 7  a boolean value                                  -> bad_value
    row 8  an error value #N/A                              -> bad_value
    row 9  a formula saved without its result              -> bad_value, uncalculated formula
    rows 10-11 the period merged down A10:A11, district merged B10:B11
                                                           莞城 talent_headcount = 400, high_level_talent = 40
    row 12 a number with binary noise 0.30000000000000004  莞城 cross_border_export = 0.3
    row 13 a shared string with a phonetic guide (rPh) left out: 石碣 skilled_workers = 7
    row 14 1.5E3 (exponent) as a number                    石碣 talent_headcount = 1500
    """
    shared = [
        "<si><t>统计期</t></si>", "<si><t>镇街</t></si>", "<si><t>指标</t></si>", "<si><t>数值</t></si>",
        "<si><t>东城</t></si>", "<si><t>人才总量</t></si>", "<si><t>2024-12</t></si>",
        '<si><r><t>石</t></r><r><rPr><b/></rPr><t>碣</t></r><rPh sb="0" eb="2"><t>シセキ</t></rPh></si>',
        "<si><t>技能人才</t></si>",
    ]
    s = lambda ref, i: f'<c r="{ref}" t="s"><v>{i}</v></c>'
    inl = lambda ref, text: f'<c r="{ref}" t="inlineStr"><is><r><t>{text[:1]}</t></r><r><t>{text[1:]}</t></r></is></c>'
    n = lambda ref, v, style=0: f'<c r="{ref}" s="{style}"><v>{v}</v></c>'
    rows = [
        f'<row r="1">{s("A1", 0)}{s("B1", 1)}{s("C1", 2)}{s("D1", 3)}</row>',
        f'<row r="2">{s("A2", 6)}{s("B2", 4)}{s("C2", 5)}{n("D2", 100)}</row>',
        f'<row r="3">{inl("A3", "2024-12")}{inl("B3", "南城")}{inl("C3", "人才总量")}<c r="D3" t="str"><v>200</v></c></row>',
        f'<row r="4">{n("A4", 45627, 1)}{inl("B4", "万江")}{s("C4", 5)}<c r="D4"><f>100*3</f><v>300</v></c></row>',
        '<row r="6"><c r="A6" s="3"/><c r="B6" s="3"/></row>',
        f'<row r="7">{s("A7", 6)}{s("B7", 4)}{inl("C7", "高层次人才")}<c r="D7" t="b"><v>1</v></c></row>',
        f'<row r="8">{s("A8", 6)}{s("B8", 4)}{inl("C8", "技能人才")}<c r="D8" t="e"><v>#N/A</v></c></row>',
        f'<row r="9">{s("A9", 6)}{s("B9", 4)}{inl("C9", "新增技能人才")}<c r="D9"><f>SUM(D2:D4)</f></c></row>',
        f'<row r="10">{s("A10", 6)}{inl("B10", "莞城")}{s("C10", 5)}{n("D10", 400)}</row>',
        f'<row r="11">{inl("C11", "高层次人才")}{n("D11", 40, 3)}</row>',
        f'<row r="12">{s("A12", 6)}{inl("B12", "莞城")}{inl("C12", "跨境电商出口额")}{n("D12", "0.30000000000000004")}</row>',
        f'<row r="13">{s("A13", 6)}{s("B13", 7)}{s("C13", 8)}{n("D13", 7)}</row>',
        f'<row r="14">{s("A14", 6)}{s("B14", 7)}{s("C14", 5)}{n("D14", "1.5E3")}</row>',
    ]
    tail = '<mergeCells count="2"><mergeCell ref="A10:A11"/><mergeCell ref="B10:B11"/></mergeCells>'
    package(out, sheet_xml(rows, tail=tail), shared)


def col(n):
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def cells2(out):
    """Cells a program (not a person) writes, each row worked out by hand (asserted by the test):
    row 2  a merge reaching to XFD over 3 rows (filled only in the used columns)   东城 talent = 1
    rows 3-4 (inside that merge)                                                   东城 high 2, skilled 3
    row 5  the value "\n7\n" (newlines round it)                                    南城 talent = 7
    row 6  the value -0.0                                                          南城 high = 0
    row 7  NaN                                            -> bad_value
    row 8  0x10                                           -> bad_value
    row 9  +7                                             -> bad_value
    row 10 the period 2024.1 as a number                  -> bad_period
    row 11 an unused column's formula first, then the value's formula without a result -> bad_value
                                                             naming D11
    rows 12-13 entities 914419001234567891 and ...892 stored as numbers: two entities
                                                           万江 talent = 5 + 6 = 11
    The sheet's part is named in another case than its relationship (Sheet1.xml).
    """
    t = lambda ref, text: f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    n = lambda ref, v: f'<c r="{ref}"><v>{v}</v></c>'
    rows = [
        f'<row r="1">{t("A1", "统计期")}{t("B1", "镇街")}{t("C1", "指标")}{t("D1", "数值")}{t("E1", "主体")}{t("F1", "备注")}</row>',
        f'<row r="2">{t("A2", "2024-12")}{t("B2", "东城")}{t("C2", "人才总量")}{n("D2", 1)}{t("F2", "x")}</row>',
        f'<row r="3">{t("A3", "2024-12")}{t("B3", "东城")}{t("C3", "高层次人才")}{n("D3", 2)}</row>',
        f'<row r="4">{t("A4", "2024-12")}{t("B4", "东城")}{t("C4", "技能人才")}{n("D4", 3)}</row>',
        f'<row r="5">{t("A5", "2024-12")}{t("B5", "南城")}{t("C5", "人才总量")}<c r="D5"><v>\n7\n</v></c></row>',
        f'<row r="6">{t("A6", "2024-12")}{t("B6", "南城")}{t("C6", "高层次人才")}{n("D6", "-0.0")}</row>',
        f'<row r="7">{t("A7", "2024-12")}{t("B7", "南城")}{t("C7", "技能人才")}{n("D7", "NaN")}</row>',
        f'<row r="8">{t("A8", "2024-12")}{t("B8", "南城")}{t("C8", "新增技能人才")}{n("D8", "0x10")}</row>',
        f'<row r="9">{t("A9", "2024-12")}{t("B9", "万江")}{t("C9", "高层次人才")}{n("D9", "+7")}</row>',
        f'<row r="10">{n("A10", "2024.1")}{t("B10", "万江")}{t("C10", "技能人才")}{n("D10", 9)}</row>',
        f'<row r="11">{t("A11", "2024-12")}{t("B11", "万江")}{t("C11", "新增技能人才")}<c r="D11"><f>SUM(X1:X9)</f></c><c r="F11"><f>NOW()</f></c></row>',
        f'<row r="12">{t("A12", "2024-12")}{t("B12", "万江")}{t("C12", "人才总量")}{n("D12", 5)}{n("E12", "914419001234567891")}</row>',
        f'<row r="13">{t("A13", "2024-12")}{t("B13", "万江")}{t("C13", "人才总量")}{n("D13", 6)}{n("E13", "914419001234567892")}</row>',
    ]
    tail = '<mergeCells count="1"><mergeCell ref="F2:XFD4"/></mergeCells>'
    package(out, sheet_xml(rows, tail=tail), extra={
        "xl/_rels/workbook.xml.rels": WB_RELS.replace("worksheets/sheet1.xml", "worksheets/Sheet1.xml")})


def hostile(d):
    os.makedirs(d, exist_ok=True)
    good_rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>统计期</t></is></c><c r="B1" t="inlineStr"><is><t>镇街</t></is></c>'
                 '<c r="C1" t="inlineStr"><is><t>指标</t></is></c><c r="D1" t="inlineStr"><is><t>数值</t></is></c></row>',
                 '<row r="2"><c r="A2" t="inlineStr"><is><t>2024-12</t></is></c><c r="B2" t="inlineStr"><is><t>东城</t></is></c>'
                 '<c r="C2" t="inlineStr"><is><t>人才总量</t></is></c><c r="D2"><v>5</v></c></row>']
    # A good workbook with namespace prefixes (x:), and one in the 1904 date system.
    package(os.path.join(d, "prefixed.xlsx"), sheet_xml(good_rows, prefix="x"), prefix="x")
    open(os.path.join(d, "not-a-zip.xlsx"), "w").write("统计期,镇街,指标,数值\n2024-12,东城,人才总量,1\n")
    package(os.path.join(d, "whole.xlsx"), sheet_xml(good_rows))
    data = open(os.path.join(d, "whole.xlsx"), "rb").read()
    open(os.path.join(d, "truncated.xlsx"), "wb").write(data[: len(data) // 2])
    os.remove(os.path.join(d, "whole.xlsx"))
    cfb = bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + bytes(4088)
    open(os.path.join(d, "password.xlsx"), "wb").write(cfb)
    open(os.path.join(d, "old.xls"), "wb").write(cfb)
    open(os.path.join(d, "wps.et"), "wb").write(cfb)
    open(os.path.join(d, "binary.xlsb"), "wb").write(b"PK\x03\x04" + bytes(100))
    package(os.path.join(d, "no-workbook.xlsx"), sheet_xml(good_rows), skip=("xl/workbook.xml",))
    package(os.path.join(d, "no-sheet-part.xlsx"), sheet_xml(good_rows), skip=("xl/worksheets/sheet1.xml",))
    package(os.path.join(d, "broken-xml.xlsx"), sheet_xml(good_rows)[:-40] + "<row r=")
    package(os.path.join(d, "doctype.xlsx"),
            '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaa">]>' + sheet_xml(good_rows)[38:])
    package(os.path.join(d, "too-many-rows.xlsx"),
            sheet_xml(good_rows + ['<row r="1048577"><c r="A1048577"><v>1</v></c></row>']))
    package(os.path.join(d, "too-many-columns.xlsx"),
            sheet_xml(good_rows + ['<row r="3"><c r="XFE3"><v>1</v></c></row>']))
    # A zip bomb: 300 MB of spaces inside a sheet, about 300 KB compressed.
    with zipfile.ZipFile(os.path.join(d, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
                           "xl/workbook.xml": workbook_xml(), "xl/_rels/workbook.xml.rels": WB_RELS,
                           "xl/styles.xml": STYLES,
                           "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'}.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(sheet_xml(good_rows)[:-30].encode())
            block = b" " * (1 << 20)
            for _ in range(300):
                f.write(block)
    # The same bomb declaring a small size in its headers (it must be stopped while inflating).
    data = bytearray(open(os.path.join(d, "bomb.xlsx"), "rb").read())
    name = b"xl/worksheets/sheet1.xml"
    at = 0
    while True:
        at = data.find(name, at + 1)
        if at < 0:
            break
        if data[at - 30:at - 26] == b"PK\x03\x04":  # local header: the sizes at 18 and 22
            data[at - 30 + 22:at - 30 + 26] = (1000).to_bytes(4, "little")
        elif data[at - 46:at - 42] == b"PK\x01\x02":  # central header: at 20 and 24
            data[at - 46 + 24:at - 46 + 28] = (1000).to_bytes(4, "little")
    open(os.path.join(d, "bomb-lying.xlsx"), "wb").write(data)
    # A stored part changed after its checksum was written (damaged in transit).
    package(os.path.join(d, "crc.xlsx"), sheet_xml(good_rows))
    data = open(os.path.join(d, "crc.xlsx"), "rb").read()
    with zipfile.ZipFile(os.path.join(d, "crc.xlsx"), "w", zipfile.ZIP_STORED) as z:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            for info in src.infolist():
                z.writestr(info.filename, src.read(info.filename))
    data = bytearray(open(os.path.join(d, "crc.xlsx"), "rb").read())
    at = data.find(b"<v>5</v>")
    data[at + 3] = ord("8")
    open(os.path.join(d, "crc.xlsx"), "wb").write(data)
    # The same part twice (readers may show either copy).
    package(os.path.join(d, "twice.xlsx"), sheet_xml(good_rows))
    with zipfile.ZipFile(os.path.join(d, "twice.xlsx"), "a") as z:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z.writestr("xl/worksheets/sheet1.xml", sheet_xml(good_rows).replace("<v>5</v>", "<v>999</v>"))
    # Shared strings that are not UTF-8.
    package(os.path.join(d, "not-utf8.xlsx"), sheet_xml(good_rows), shared=["<si><t>\u4e1c\u57ce</t></si>"])
    data = bytearray(open(os.path.join(d, "not-utf8.xlsx"), "rb").read())
    with zipfile.ZipFile(os.path.join(d, "not-utf8.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as src:
            for info in src.infolist():
                body = src.read(info.filename)
                if info.filename == "xl/sharedStrings.xml":
                    body = body.replace("东城".encode(), b"\xb6\xab\xb3\xc7")  # GBK bytes
                z.writestr(info.filename, body)
    # Merged ranges far larger than the sheet: bounded work, then refused.
    # Row 2 fills 2,000 columns, each merged down to row 1,048,576 over 1,000 rows: 2,000,000 cells
    # to fill for a sheet of 3,000.
    tall = ['<row r="2">' + "".join(f'<c r="{col(c)}2"><v>1</v></c>' for c in range(1, 2001)) + "</row>"]
    tall += [f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(3, 1003)]
    merges = "".join(f'<mergeCell ref="{col(c)}2:{col(c)}1048576"/>' for c in range(1, 2001))
    package(os.path.join(d, "merge-tall.xlsx"),
            sheet_xml(good_rows[:1] + tall, tail=f'<mergeCells count="2000">{merges}</mergeCells>'))
    package(os.path.join(d, "merge-beyond.xlsx"),
            sheet_xml(good_rows, tail='<mergeCells count="1"><mergeCell ref="A2:A16000000"/></mergeCells>'))
    # A workbook whose sheet has no header row.
    package(os.path.join(d, "no-header.xlsx"), sheet_xml(['<row r="1"><c r="A1"><v>1</v></c></row>']))


def fill_forms(forms, csv_path, out):
    """Each form's value cells from the CSV rows of its district (short name) and metric (Chinese
    name); the locked cells are only read. Values are typed as numbers."""
    import openpyxl

    rows = read_csv(csv_path)
    header = rows[0]
    di, mi, vi = header.index("镇街"), header.index("指标"), header.index("数值")
    values = {(r[di], r[mi]): r[vi] for r in rows[1:]}
    os.makedirs(out, exist_ok=True)
    n = 0
    for name in sorted(os.listdir(forms)):
        if not name.endswith(".xlsx"):
            continue
        wb = openpyxl.load_workbook(os.path.join(forms, name))
        ws = wb["填报表"]
        for r in range(6, ws.max_row + 1):
            district, metric = ws.cell(r, 2).value, ws.cell(r, 3).value
            short = next((k[0] for k in values if district.startswith(k[0])), None)
            text = values.get((short, metric))
            if text is not None:
                ws.cell(r, 6).value = float(text) if "." in text else int(text)
        ws.cell(6, 8).value = "已核对"
        wb.save(os.path.join(out, name))
        n += 1
    print(n)


def tamper(form, out):
    """Forms whose locked cells were changed after unprotecting: each must be bad_file."""
    import openpyxl

    cases = {
        "period.xlsx": lambda ws: setattr(ws.cell(7, 1), "value", "2024-11"),
        "district.xlsx": lambda ws: setattr(ws.cell(6, 2), "value", "南城街道"),
        "metric.xlsx": lambda ws: setattr(ws.cell(8, 3), "value", "人才总量"),
        "unit.xlsx": lambda ws: setattr(ws.cell(10, 5), "value", "元"),
        "row-added.xlsx": lambda ws: ws.insert_rows(8),
        "renamed-sheet.xlsx": lambda ws: setattr(ws, "title", "Sheet1"),
        "header-swapped.xlsx": lambda ws: (setattr(ws.cell(5, 6), "value", "上期数（参考）"),
                                           setattr(ws.cell(5, 7), "value", "数值")),
        "kind.xlsx": lambda ws: setattr(ws.cell(6, 4), "value", "时期"),
        "metric-id.xlsx": lambda ws: setattr(ws.cell(6, 3), "value", "talent_headcount"),
        "district-code.xlsx": lambda ws: setattr(ws.cell(6, 2), "value", "441900003"),
    }
    os.makedirs(out, exist_ok=True)
    for name, change in cases.items():
        wb = openpyxl.load_workbook(form)
        ws = wb["填报表"]
        ws.cell(6, 6).value = 1
        change(ws)
        wb.save(os.path.join(out, name))


def fill(form, out, spec):
    """A copy of FORM saved as OUT with the cells SPEC (JSON) gives: {"sheet": {"A6": value}},
    plus "_rename": {"old": "new"}, "_delete": ["sheet"] and "_add": ["sheet"] for sheets, and
    "_merge": ["sheet!C7:D7"] for merged ranges (the first cell's value stays)."""
    import json

    import openpyxl

    spec = json.loads(spec)
    wb = openpyxl.load_workbook(form)
    for sheet, cells in spec.items():
        if sheet.startswith("_"):
            continue
        ws = wb[sheet]
        for ref, value in cells.items():
            ws[ref].value = value
    for old, new in spec.get("_rename", {}).items():
        wb[old].title = new
    for name in spec.get("_delete", []):
        del wb[name]
    for name in spec.get("_add", []):
        wb.create_sheet(name)
    for ref in spec.get("_merge", []):
        sheet, cells = ref.split("!")
        wb[sheet].merge_cells(cells)
    wb.save(out)


def formats(book, out):
    """Every non-empty cell of every sheet, read by openpyxl (an independent reader), as JSON:
    {sheet: {ref: [value, number_format]}}."""
    import json
    import openpyxl
    wb = openpyxl.load_workbook(book)
    result = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[c.coordinate] = [c.value, c.number_format]
        result[ws.title] = cells
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, default=str)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "from-csv":
        from_csv(sys.argv[2], sys.argv[3])
    elif cmd == "cells":
        cells(sys.argv[2])
    elif cmd == "cells2":
        cells2(sys.argv[2])
    elif cmd == "hostile":
        hostile(sys.argv[2])
    elif cmd == "fill-forms":
        fill_forms(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "fill":
        fill(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "tamper":
        tamper(sys.argv[2], sys.argv[3])
    elif cmd == "formats":
        formats(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
