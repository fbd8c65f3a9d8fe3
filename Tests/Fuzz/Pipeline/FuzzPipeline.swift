// libFuzzer target for the whole pipeline: ingest, validation, aggregation, the workbook (the real
// libxlsxwriter) and the machine outputs, on fuzzed input files. Built by scripts/fuzz.sh.
//
// The input is two CSV files (its halves). An input that starts with `#name:` and a line gives the
// first file's name as raw bytes (control characters, GBK, U+FFFE … reach the workbook that way).
//
// Invariants checked for every input (a violation traps, which libFuzzer reports as a crash):
// - nothing crashes, hangs or exhausts memory, whatever the figures (extreme magnitudes included);
// - the row accounting balances;
// - every XML part of the written .xlsx is well-formed XML 1.0 (Excel would otherwise "repair" it);
// - for every metric and year, the city's annual figure is the exact sum of the districts' annual
//   figures (stocks and flows alike).
import Foundation

let pipelineReference: ReferenceData = {
    let city = District(code: "100000", name: "测试市", shortName: "测试", type: .city)
    let districts = [
        District(code: "100000001", name: "甲街道", shortName: "甲", type: .subdistrict),
        District(code: "100000002", name: "乙镇", shortName: "乙", type: .town),
        District(code: "100000003", name: "丙园区", shortName: "丙", type: .park),
    ]
    let metrics = [
        Metric(
            id: "people", nameZh: "人员", nameEn: "People", unit: MeasureUnit.parse("人")!, kind: .stock, integer: true),
        Metric(
            id: "export", nameZh: "出口额", nameEn: "Exports", unit: MeasureUnit.parse("万元")!, kind: .flow, integer: false),
    ]
    return try! ReferenceData(city: city, districts: districts, metrics: metrics)
}()

let pipelineFolder: String = {
    let path = "/dev/shm/talentstats-fuzz-pipeline-\(getpid())"
    mkdir(path, 0o755)
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var name: [UInt8] = Array("a.csv".utf8)
    let marker = Array("#name:".utf8)
    if bytes.starts(with: marker), let end = bytes.firstIndex(of: 0x0A) {
        let given = bytes[marker.count..<end].filter { $0 != 0 && $0 != UInt8(ascii: "/") }
        if !given.isEmpty, given.count < 200, given != [0x2E], given != [0x2E, 0x2E] { name = Array(given) }
        bytes.removeSubrange(0...end)
    }
    let split = bytes.count / 2
    let halves = [Array(bytes[..<split]), Array(bytes[split...])]
    let report = YearMonth(year: 2024, month: 12)!
    let limits = IngestLimits(maxRecordBytes: 4096, maxFileBytes: 1 << 20)
    var validator = Validator(reference: pipelineReference, reportPeriod: report, limits: limits)
    let folder = SystemPath(pipelineFolder)
    for (index, content) in halves.enumerated() {
        let fileName = index == 0 ? name : Array("b.csv".utf8)
        let path = folder.appending(fileName)
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        precondition(fd >= 0, "cannot create the fuzz input file")
        _ = content.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let shown = FileName.display(fileName)
        let file = InputFile(
            index: index, relativePath: index == 0 ? shown.text : "zz/b.csv", path: path, nameEncoding: shown.encoding)
        Intake.read(file, into: &validator)
        _ = path.withCString { unlink($0) }
    }
    let validated = validator.finish()
    precondition(validated.totals.balances, "accounting does not balance: \(validated.totals)")
    guard validated.sums.monthsWithData.contains(report) else { return 0 }  // the run would fail: nothing to publish

    let aggregates = Aggregator.aggregate(validated)
    checkAnnualSums(aggregates)
    let quality = QualityFindings.find(
        in: validated, aggregates: aggregates, outlierThreshold: FixedDecimal(units: FixedDecimal.unit / 2))
    let settings = ReportSettings(organization: "测试", generated: Date(timeIntervalSince1970: 1_733_011_200))
    let model = ReportModel(
        reference: pipelineReference, aggregates: aggregates, validated: validated, quality: quality, settings: settings
    )
    let workbook = pipelineFolder + "/report.xlsx"
    do {
        try WorkbookReport.write(model, to: workbook)
    } catch {
        // Data never makes the writer fail; only the file system could.
        preconditionFailure("the workbook could not be written: \(error)")
    }
    let malformed: [String]
    do { malformed = try XlsxParts.malformedXMLParts(workbook) } catch {
        preconditionFailure("the workbook is not a readable zip: \(error)")
    }
    precondition(malformed.isEmpty, "malformed XML in the workbook: \(malformed)")
    unlink(workbook)

    _ = MachineOutputs.aggregatesCSV(aggregates)
    do {
        try validated.rejectionLog.writeCSV(to: URL(fileURLWithPath: pipelineFolder + "/rejects.csv"))
    } catch {
        preconditionFailure("rejects.csv could not be written: \(error)")
    }
    unlink(pipelineFolder + "/rejects.csv")
    return 0
}

/// The city's annual figure of every metric and year equals the exact sum of the districts'.
func checkAnnualSums(_ aggregates: Aggregates) {
    var city: [String: FixedDecimal] = [:]
    var districts: [String: FixedDecimal] = [:]
    for row in aggregates.rows where row.key.measure == .annual {
        guard case .amount(let value) = row.value else { preconditionFailure("annual is not an amount") }
        let key = row.key.period + "," + row.key.metric
        if row.key.districtCode == pipelineReference.city.code {
            city[key] = value
        } else {
            districts[key] = (districts[key] ?? .zero) + value
        }
    }
    precondition(
        city == districts, "the city's annual figures are not the sums of the districts': \(city) vs \(districts)")
}
