import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// No input, configuration or environment value crashes the process (issue 10, defects 3 and 4).
@Suite struct NoTrapTests {
    /// The shipped reference data with one raw file.
    func input(_ tmp: TemporaryFolder, _ raw: [String: String]) throws -> URL {
        let input = tmp.file("input")
        try FileManager.default.createDirectory(
            at: input.appendingPathComponent("raw"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"),
            to: input.appendingPathComponent("reference"))
        for (path, text) in raw { try tmp.write("input/raw/" + path, text) }
        return input
    }

    @Test func growthNear1e21IsPublishedExactly() throws {
        let tmp = try TemporaryFolder()
        let input = try input(
            tmp,
            [
                "a.csv": """
                period,district,metric,value
                2024-11,东城街道,cross_border_export,0.000000001
                2024-12,东城街道,cross_border_export,1000000000000

                """
            ])
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        print("mom 1e21: exit \(run.status); stderr tail: \(run.stderr.suffix(300))")
        #expect(run.status == 0 || run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        // 10¹² / 10⁻⁹ − 1 = 10²¹ − 1 exactly; six decimals of an integer add nothing.
        #expect(agg["2024-12,441900003,cross_border_export,mom"] == "999999999999999999999")
        #expect(agg["2024-12,441900,cross_border_export,mom"] == "999999999999999999999")
        #expect(agg["2024-12,441900003,cross_border_export,month"] == "1000000000000")
        let book = folder.appendingPathComponent("talent-report-2024-12.xlsx")
        #expect(try XlsxReadBack.malformedXMLParts(at: book) == [])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.file("out").path).filter {
            $0 != "2024-12" && !$0.hasSuffix(".lock") && $0 != ReleaseStore.fileName
        }
        #expect(leftovers == [], "staging left behind")
    }

    @Test func quotientsBeyondFixedDecimalAreReportedNotTrapped() {
        let huge = FixedDecimal(units: 200_000_000_000_000_000_000_000_000_000)  // 2 × 10²⁰
        let tiny = FixedDecimal(units: 1)
        #expect(FixedDecimal.quotient(huge, tiny, minus: 1) == .outOfRange)
        #expect(FixedDecimal.ratio(huge, tiny, minus: 1) == nil)
        #expect(FixedDecimal.quotient(huge, .zero) == .undefined)
        #expect(FixedDecimal.quotient(FixedDecimal(units: .max), FixedDecimal(units: -1)) == .outOfRange)
        #expect(
            FixedDecimal.quotient(FixedDecimal(units: 1_000_000_000_000_000_000_000), tiny, minus: 1)
                == .value(FixedDecimal(units: 999_999_999_999_999_999_999 * FixedDecimal.unit)))
        #expect(FixedDecimal(units: .max / 2).shifted(by: 8) == nil)
        #expect(FixedDecimal(3).shifted(by: 4) == FixedDecimal(30000))
    }

    @Test func badSourceDateEpochIsAUsageError() throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        let args = ["report", "--period", "2024-02", "--input", input.path, "--output", tmp.file("out").path]
        for bad in ["inf", "nan", "-1", "1.5", "abc", "99999999999999999999", "", " 1", "253402300800", "253402250400"]
        {
            let run = try Binary.run(args, in: tmp.url, environment: ["SOURCE_DATE_EPOCH": bad])
            #expect(run.status == 64, "SOURCE_DATE_EPOCH=\(bad): \(run.stderr)")
            #expect(run.stderr.contains("SOURCE_DATE_EPOCH"), "\(bad): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-02").path))
        }
        print(
            "SOURCE_DATE_EPOCH=inf: \(try Binary.run(args, in: tmp.url, environment: ["SOURCE_DATE_EPOCH": "inf"]).stderr.split(separator: "\n").first ?? "")"
        )
        for bad in [
            "yesterday", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2025-02-30T00:00:00Z",
            "2025-01-01T00:00:00+99:00",
            "2025-13-01T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T00:00:00",
        ] {
            let run = try Binary.run(args, in: tmp.url, environment: ["TALENTSTATS_NOW": bad])
            #expect(run.status == 64 && run.stderr.contains("TALENTSTATS_NOW"), "TALENTSTATS_NOW=\(bad): \(run.stderr)")
        }
        // Documented as ignored: a hook that names no action or stage.
        let hooked = try Binary.run(args, in: tmp.url, environment: ["TALENTSTATS_TEST_HOOK": "pause:nowhere:inf"])
        #expect(hooked.status == 2, "\(hooked.stderr)")

        let good = try Binary.run(args, in: tmp.url, environment: ["SOURCE_DATE_EPOCH": "1735689600"])
        #expect(good.status == 2, "\(good.stderr)")
        let book = try XlsxReadBack(url: tmp.file("out/2024-02/talent-report-2024-02.xlsx"))
        let core = String(decoding: try #require(book.parts["docProps/core.xml"]), as: UTF8.self)
        #expect(core.contains("2025-01-01T00:00:00Z"))
    }

    @Test func environmentParsingByHand() throws {
        #expect(try EnvironmentSettings.sourceDateEpoch([:]) == nil)
        #expect(try EnvironmentSettings.sourceDateEpoch(["SOURCE_DATE_EPOCH": "0"]) == Date(timeIntervalSince1970: 0))
        #expect(throws: ConfigurationError.self) {
            try EnvironmentSettings.sourceDateEpoch(["SOURCE_DATE_EPOCH": "1e9"])
        }
        #expect(EnvironmentSettings.problems(["SOURCE_DATE_EPOCH": "x", "TALENTSTATS_NOW": "y"]).count == 2)
        // Without the command line's check, a bad value is not used rather than trapping.
        let period = try #require(YearMonth(parsing: "2024-12"))
        #expect(
            ReportSettings.defaultGenerationDate(for: period, environment: ["SOURCE_DATE_EPOCH": "inf"])
                == ReportSettings.defaultGenerationDate(for: period, environment: [:]))
        #expect(
            Schedule.previousMonth(now: .distantFuture, timeZone: TimeZone(identifier: "UTC")!).description == "2099-12"
        )
        #expect(
            Schedule.previousMonth(now: .distantPast, timeZone: TimeZone(identifier: "UTC")!).description == "1900-12")
    }

    /// Defect 3 end to end: raw text with XML-forbidden code points reaches 拒收明细 and the workbook
    /// stays well-formed, the text read back as it was.
    @Test func forbiddenCodePointsInInputGiveAWellFormedWorkbook() throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        let nasty = """
            period,district,metric,value,entity
            2024-02,甲\u{FFFE}街道,people,1,
            2024-02,甲街道,people,1\u{FFFF},
            2024-02\u{1}\u{85},甲街道,people,1,
            2024-02,甲街道,peo\u{7F}ple,1,
            2024-02,甲\u{0}街道,people,1,
            2024-02,甲街道,people,x\u{FFFE}_x0041_,e\u{FFFF}1

            """
        try tmp.write("input/raw/e/na\u{FFFE}sty.csv", nasty)
        let run = try Binary.run(
            ["report", "--period", "2024-02", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let url = tmp.file("out/2024-02/talent-report-2024-02.xlsx")
        let malformed = try XlsxReadBack.malformedXMLParts(at: url)
        print("end to end: exit \(run.status), malformed parts \(malformed)")
        #expect(malformed == [])
        let book = try XlsxReadBack(url: url)
        let rejects = try #require(book.sheet("拒收明细"))
        let texts = rejects.cells.values.compactMap { cell -> String? in
            if case .string(let s)? = cell.value { return XlsxReadBack.decodingEscapes(s) }
            return nil
        }
        // Messages quote raw text with invisible characters made visible; the file name is shown
        // escaped (its U+FFFE is EF BF BE); a literal `_x0041_` reads back as written.
        #expect(texts.contains { $0.contains("甲\\u{fffe}街道") })
        #expect(texts.contains { $0.contains("1\\u{ffff}") })
        #expect(texts.contains { $0.contains("x\\u{fffe}_x0041_") })
        #expect(texts.contains { $0.contains("e/na\\xEF\\xBF\\xBEsty.csv") })
    }
}
