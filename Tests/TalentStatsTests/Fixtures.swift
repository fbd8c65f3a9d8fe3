import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Shared test data.
enum Fixtures {
    /// The `small` fixture's reference data (3 districts; a stock in persons, a flow in 万元).
    static let reference: ReferenceData = {
        let city = District(code: "100000", name: "测试市", shortName: "测试", type: .city)
        let districts = [
            District(code: "100000001", name: "甲街道", shortName: "甲", type: .subdistrict),
            District(code: "100000002", name: "乙镇", shortName: "乙", type: .town),
            District(code: "100000003", name: "丙园区", shortName: "丙", type: .park),
        ]
        let metrics = [
            Metric(
                id: "people", nameZh: "人员", nameEn: "People", unit: MeasureUnit.parse("人")!, kind: .stock, integer: true
            ),
            Metric(
                id: "export", nameZh: "出口额", nameEn: "Exports", unit: MeasureUnit.parse("万元")!, kind: .flow,
                integer: false),
        ]
        return try! ReferenceData(city: city, districts: districts, metrics: metrics)
    }()

    /// `Tests/TalentStatsTests/Fixtures/<name>` (a resource of the test bundle).
    static func folder(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }

    /// Copies a fixture into a fresh temporary folder (runs write output there).
    static func copy(_ name: String, into tmp: TemporaryFolder) throws -> URL {
        let target = tmp.file("input")
        try FileManager.default.copyItem(at: try folder(name), to: target)
        return target
    }

    /// Reads an `aggregates.csv` into a dictionary keyed by `period,district,metric,measure`.
    static func aggregates(_ url: URL) throws -> [String: String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n")
        #expect(lines.removeFirst() == "period,district_code,metric,measure,value")
        var result: [String: String] = [:]
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            result[f[0...3].joined(separator: ",")] = f[4]
        }
        return result
    }
}

/// Runs the validator over in-memory files of raw events.
struct ValidatorHarness {
    var validator: Validator
    init(period: String) {
        validator = Validator(reference: Fixtures.reference, reportPeriod: YearMonth(parsing: period)!)
    }

    private var fileCount = 0

    mutating func file(_ name: String, _ rows: [(String, String, String, String, String)], entity: String = "") {
        let file = InputFile(index: fileCount, relativePath: name, url: URL(fileURLWithPath: "/dev/null"))
        fileCount += 1
        validator.begin(file)
        for (i, r) in rows.enumerated() {
            validator.take(
                .observation(
                    RawObservation(
                        line: i + 2, period: r.0, district: r.1, metric: r.2, value: r.3, unit: r.4, entity: entity)))
        }
        validator.end(.read(FileFacts(file: file, bytes: 0, sha256: "", encoding: .utf8, layout: .long)))
    }

    func finish() -> ValidatedData { validator.finish() }
}

extension ValidatedData {
    /// The accepted sum for a month, district and metric, if any observation holds it.
    func value(_ month: YearMonth, district: Int, metric: Int) -> FixedDecimal? {
        sums.value(month: month, district: district, metric: metric)
    }
}
