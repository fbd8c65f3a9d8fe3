// libFuzzer target for the ingest layer: CSV reading, encoding detection, header matching, value
// normalization and the validator's accounting. Built by scripts/fuzz.sh together with the
// Core, Reference, Ingest and Validate sources of TalentStats (swiftc -sanitize=fuzzer,address).
//
// Invariants checked for every input (a violation traps, which libFuzzer reports as a crash):
// - nothing crashes, hangs or exhausts memory (libFuzzer's -timeout and -rss_limit_mb);
// - the row accounting balances: read = used + rejected + out_of_scope + superseded;
// - a rejected file emitted no observations, and there is exactly one rejection per rejected
//   observation or file;
// - every rejection message is short enough for a spreadsheet cell;
// - a returned form with its enterprise sheet (input starting with "F"): a metric of the form's
//   district never counts both a district total and enterprise rows.
import Foundation
import ZIPFoundation

let fuzzReference: ReferenceData = {
    let city = District(code: "100000", name: "测试市", shortName: "测试", type: .city)
    let districts = [
        District(code: "100000001", name: "甲街道", shortName: "甲", type: .subdistrict),
        District(code: "100000002", name: "乙镇", shortName: "乙", type: .town),
    ]
    let metrics = [
        Metric(
            id: "people", nameZh: "人员", nameEn: "People", unit: MeasureUnit.parse("人")!, kind: .stock, integer: true),
        Metric(
            id: "export", nameZh: "出口额", nameEn: "Exports", unit: MeasureUnit.parse("万元")!, kind: .flow, integer: false),
    ]
    return try! ReferenceData(city: city, districts: districts, metrics: metrics)
}()

let fuzzPath = "/dev/shm/talentstats-fuzz-\(getpid())"

let ns = "http://schemas.openxmlformats.org/package/2006/relationships"
let type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
/// The package's root relationships: its workbook.
var rootRelationships: Data {
    Data(
        "<Relationships xmlns=\"\(ns)\"><Relationship Id=\"rId1\" Type=\"\(type)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            .utf8)
}

/// Writes `parts` as a zip package at `path` (deflated, with ZIPFoundation).
func writePackage(_ parts: [(String, Data)], at path: String) {
    try? FileManager.default.removeItem(atPath: path)
    guard let archive = try? Archive(url: URL(fileURLWithPath: path), accessMode: .create) else { return }
    for (name, data) in parts {
        try? archive.addEntry(
            with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
    }
}

/// A workbook made of the fuzz input: after the leading "X", the sheet's XML, then (after a NUL)
/// the shared strings' XML, in an otherwise ordinary package written with ZIPFoundation.
func fuzzWorkbook(_ bytes: UnsafeBufferPointer<UInt8>, at path: String) {
    let body = Array(bytes.dropFirst())
    let cut = body.firstIndex(of: 0) ?? body.count
    let sheet = Data(body[..<cut])
    let shared = cut < body.count ? Data(body[(cut + 1)...]) : Data("<sst/>".utf8)
    let parts: [(String, Data)] = [
        ("_rels/.rels", rootRelationships),
        (
            "xl/workbook.xml",
            Data("<workbook><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".utf8)
        ),
        (
            "xl/_rels/workbook.xml.rels",
            Data(
                "<Relationships xmlns=\"\(ns)\"><Relationship Id=\"rId1\" Type=\"\(type)/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"\(type)/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
                    .utf8)
        ),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", shared),
    ]
    writePackage(parts, at: path)
}

/// A returned form of district 甲 for 2024-06, with its enterprise sheet: after the leading "F",
/// one byte a metric chooses its 填报表 value (0: empty, otherwise the byte's value as written),
/// then the enterprise sheet's rows after its header (sheetData XML), in a package with the form's
/// defined-name marker.
func fuzzForm(_ bytes: UnsafeBufferPointer<UInt8>, at path: String) {
    let metrics = fuzzReference.metrics
    let body = Array(bytes.dropFirst())
    func inline(_ ref: String, _ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return "<c r=\"\(ref)\" t=\"inlineStr\"><is><t>\(escaped)</t></is></c>"
    }
    func row(_ r: Int, _ cells: [String]) -> String {
        let letters = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"]
        return "<row r=\"\(r)\">" + cells.enumerated().map { inline("\(letters[$0])\(r)", $1) }.joined() + "</row>"
    }
    var main = row(FormLayout.headerRow, FormLayout.columns)
    for (i, m) in metrics.enumerated() {
        let r = FormLayout.headerRow + 1 + i
        let choice = i < body.count ? body[i] : 0
        main +=
            "<row r=\"\(r)\">"
            + [
                inline("A\(r)", "2024-06"), inline("B\(r)", "甲街道"), inline("C\(r)", m.nameZh),
                inline("D\(r)", m.kind == .stock ? "时点" : "时期"), inline("E\(r)", m.unit.symbol),
            ].joined() + (choice == 0 ? "" : "<c r=\"F\(r)\"><v>\(choice)</v></c>") + "</row>"
    }
    let detailRows = Data(body.dropFirst(min(body.count, metrics.count)))
    var detail = Data(
        ("<worksheet><sheetData>" + row(FormLayout.headerRow, FormLayout.detailColumns(fuzzReference))).utf8)
    detail.append(detailRows)
    detail.append(Data("</sheetData></worksheet>".utf8))
    let marker = FormMarker(
        period: YearMonth(year: 2024, month: 6)!, district: "100000001", metrics: metrics.map(\.id), detail: true)
    let parts: [(String, Data)] = [
        ("_rels/.rels", rootRelationships),
        (
            "xl/workbook.xml",
            Data(
                "<workbook><sheets><sheet name=\"\(FormLayout.sheetName)\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"\(FormLayout.detailSheetName)\" sheetId=\"2\" r:id=\"rId2\"/></sheets><definedNames><definedName name=\"\(FormMarker.definedName)\">\"\(marker.compact)\"</definedName></definedNames></workbook>"
                    .utf8)
        ),
        (
            "xl/_rels/workbook.xml.rels",
            Data(
                "<Relationships xmlns=\"\(ns)\"><Relationship Id=\"rId1\" Type=\"\(type)/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"\(type)/worksheet\" Target=\"worksheets/sheet2.xml\"/></Relationships>"
                    .utf8)
        ),
        ("xl/worksheets/sheet1.xml", Data("<worksheet><sheetData>\(main)</sheetData></worksheet>".utf8)),
        ("xl/worksheets/sheet2.xml", detail),
    ]
    writePackage(parts, at: path)
}

/// Reads the workbook at `path` as the run's only file and checks the accounting invariants.
func readWorkbook(_ path: String, as name: String) -> ValidatedData {
    let limits = IngestLimits(maxRecordBytes: 4096, maxFileBytes: 1 << 20)
    var validator = Validator(reference: fuzzReference, reportPeriod: YearMonth(year: 2024, month: 6)!, limits: limits)
    let file = InputFile(index: 0, relativePath: name, url: URL(fileURLWithPath: path))
    _ = Intake.read(file, into: &validator)
    let result = validator.finish()
    precondition(result.totals.balances, "accounting does not balance: \(result.totals)")
    precondition(result.rejections.count == result.totals.rejected + result.filesRejected + result.filesNotRead)
    for record in result.files where record.rejection != nil { precondition(record.accounting.read == 0) }
    return result
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if size > 0 && data[0] == UInt8(ascii: "F") {
        let path = "\(fuzzPath)-form.xlsx"
        fuzzForm(UnsafeBufferPointer(start: data, count: size), at: path)
        let result = readWorkbook(path, as: "form.xlsx")
        for m in fuzzReference.metrics.indices {
            let rows = result.accepted.rows(month: YearMonth(year: 2024, month: 6)!, district: 0, metric: m)
            precondition(
                rows.allSatisfy(\.entity.isEmpty) || rows.allSatisfy { !$0.entity.isEmpty },
                "metric \(m) counts a district total and enterprise rows: \(rows)")
        }
        return 0
    }
    if size > 0 && data[0] == UInt8(ascii: "X") {
        let path = "\(fuzzPath).xlsx"
        fuzzWorkbook(UnsafeBufferPointer(start: data, count: size), at: path)
        _ = readWorkbook(path, as: "f.xlsx")
        return 0
    }
    // Half the input is one file and half a second (resubmissions and duplicates across files).
    let split = size / 2
    let parts = [
        UnsafeBufferPointer(start: data, count: split), UnsafeBufferPointer(start: data + split, count: size - split),
    ]
    let limits = IngestLimits(maxRecordBytes: 4096, maxFileBytes: 1 << 20)
    var validator = Validator(reference: fuzzReference, reportPeriod: YearMonth(year: 2024, month: 6)!, limits: limits)
    for (index, bytes) in parts.enumerated() {
        let path = "\(fuzzPath)-\(index).csv"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let file = InputFile(index: index, relativePath: "f\(index).csv", url: URL(fileURLWithPath: path))
        let outcome = Intake.read(file, into: &validator)
    }
    let result = validator.finish()
    let totals = result.totals
    precondition(totals.balances, "accounting does not balance: \(totals)")
    precondition(
        result.rejections.count == totals.rejected + result.filesRejected + result.filesNotRead,
        "rejections \(result.rejections.count) vs \(totals)")
    for record in result.files where record.rejection != nil { precondition(record.accounting.read == 0) }
    for rejection in result.rejections {
        precondition(rejection.message.count < 4000, "message too long: \(rejection.message.count)")
    }
    return 0
}
