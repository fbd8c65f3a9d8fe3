import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Disclosure control worked out by hand, through the binary. 2024-01 exports (万元), enterprise by
/// enterprise: 甲 E1 90, E2 5, E3 5 (= 100; the largest gives 90%); 乙 30 + 30 + 35 (= 95, largest
/// 36.8%); 丙 35 + 35 + 40 (= 110, largest 36.4%). The city: 305.
///
/// With the rule "at least 3 enterprises, the largest at most 50%": 甲 fails; alone in its column it
/// could be recovered as 305 − 95 − 110, so another district is withheld too: the smallest at least
/// as large as 甲 (100), 丙 (110), not the smallest (乙, 95), whose sum with 甲 would place 甲
/// within 5%. The city total then gives only 甲 + 丙 = 210: 甲 anywhere from 0 to 210.
@Suite struct DisclosureTests {
    func setUp(policy: Bool) throws -> TemporaryFolder {
        let tmp = try TemporaryFolder()
        try FileManager.default.createDirectory(at: tmp.file("input"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: ReleaseTests.reference, to: tmp.file("input/reference"))
        var rows = ["period,district,metric,value,unit,entity"]
        for (district, values) in [("甲", ["90", "5", "5"]), ("乙", ["30", "30", "35"]), ("丙", ["35", "35", "40"])] {
            for (i, v) in values.enumerated() { rows.append("2024-01,\(district),export,\(v),万元,\(district)E\(i + 1)") }
        }
        for district in ["甲", "乙", "丙"] { rows.append("2024-01,\(district),people,10,人,") }
        _ = try tmp.write("input/raw/2024-01.csv", rows.joined(separator: "\n") + "\n")
        if policy {
            _ = try tmp.write(
                "talentstats.toml",
                "disclosure_min_enterprises = 3\ndisclosure_dominance_n = 1\ndisclosure_dominance_k = 50\n")
        }
        let run = try Binary.run(
            ["report", "--input", "input", "--output", "out", "--period", "2024-01"], in: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        return tmp
    }

    /// February 2024: every district's three enterprises export 10 each (each passes any rule), and
    /// 10 people as a district total.
    func writeFebruary(_ tmp: TemporaryFolder) throws {
        var rows = ["period,district,metric,value,unit,entity"]
        for district in ["甲", "乙", "丙"] {
            for i in 1...3 { rows.append("2024-02,\(district),export,10,万元,\(district)E\(i)") }
            rows.append("2024-02,\(district),people,10,人,")
        }
        _ = try tmp.write("input/raw/2024-02.csv", rows.joined(separator: "\n") + "\n")
    }

    func sheets(_ tmp: TemporaryFolder) throws -> [String: [String: [Any]]] {
        let json = tmp.file("formats.json")
        try WorkbookInputTests.python(["formats", tmp.file("out/2024-01/talent-report-2024-01.xlsx").path, json.path])
        return try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: [String: [Any]]]
    }

    @Test func aDominatedFigureAndItsSecondaryAreWithheld() throws {
        let tmp = try setUp(policy: true)
        let flags = try String(contentsOf: tmp.file("out/2024-01/flags.csv"), encoding: .utf8)
        let suppressed = Set(
            flags.split(separator: "\n").filter { $0.hasSuffix(",suppressed,,") }.map { line in
                line.split(separator: ",").prefix(4).joined(separator: ",")
            })
        for code in ["100000001", "100000003"] {
            for measure in ["month", "ytd", "share", "rank"] {
                #expect(suppressed.contains("2024-01,\(code),export,\(measure)"), "\(code) \(measure)")
            }
            #expect(suppressed.contains("2024,\(code),export,annual"))
        }
        // 乙 is shown, but for its ranks: a rank among the shown districts would place the withheld.
        #expect(suppressed.contains("2024-01,100000002,export,rank"))
        #expect(suppressed.contains("2024,100000002,export,annual_rank"))
        #expect(
            !suppressed.contains {
                ($0.contains("100000002") && !$0.hasSuffix(",rank") && !$0.hasSuffix(",annual_rank"))
                    || $0.hasPrefix("2024-01,100000,")
            })
        #expect(!suppressed.contains { $0.contains(",people,") })
        // aggregates.csv keeps the true values (internal).
        let agg = try Fixtures.aggregates(tmp.file("out/2024-01/aggregates.csv"))
        #expect(agg["2024-01,100000001,export,month"] == "100")
        #expect(agg["2024-01,100000,export,month"] == "305")

        let book = try sheets(tmp)
        let sheet = try #require(book["出口额"])
        // Rows 5–7: 甲 乙 丙; row 8: the city. Columns C–J: 当月 … 可比同比.
        #expect(sheet["C5"]?.first as? String == "[c]")
        #expect(sheet["C6"]?.first as? Double == 95)
        #expect(sheet["C7"]?.first as? String == "[c]")
        #expect(sheet["C8"]?.first as? Double == 305)
        #expect((sheet["C8"]?.first as? String)?.hasPrefix("=") != true, "not a SUM of what is shown")
        // The proof: no withheld value follows from its column or its row.
        for column in ["C", "D"] {
            let withheld = (5...7).filter { sheet["\(column)\($0)"]?.first as? String == "[c]" }
            #expect(withheld.count != 1, "column \(column): one withheld cell is the total less the others")
        }
        for row in [5, 7] {
            for column in ["C", "D", "E", "F", "G", "H", "I", "J"] {
                let cell = sheet["\(column)\(row)"]?.first
                #expect(
                    cell as? String == "[c]" || cell as? String == "—", "\(column)\(row): \(String(describing: cell))")
            }
        }
        // The charts' data holds no withheld figure; the annual sheet withholds the same pair.
        let chart = try #require(book["图表数据"])
        #expect(!chart.values.contains { ($0.first as? Double) == 100 || ($0.first as? Double) == 110 })
        let annual = try #require(book["出口额（年度）"])
        #expect(annual["C5"]?.first as? String == "[c]")
        #expect(annual["C7"]?.first as? String == "[c]")
        #expect(annual["C6"]?.first as? Double == 95)
        let cover = try #require(book["说明"])
        #expect(cover.values.contains { $0.first as? String == "[c]" }, "the symbol key names the mark")
    }

    @Test func withoutAPolicyNothingIsWithheldButTheQualitySheetWarns() throws {
        let tmp = try setUp(policy: false)
        let flags = try String(contentsOf: tmp.file("out/2024-01/flags.csv"), encoding: .utf8)
        #expect(!flags.contains("suppressed"))
        let book = try sheets(tmp)
        let sheet = try #require(book["出口额"])
        #expect(sheet["C5"]?.first as? Double == 100)
        let quality = try #require(book["数据质量"])
        let warned = quality.filter { $0.value.first as? String == "甲街道" }.map(\.key)
        #expect(warned.count == 1, "\(quality)")
        if let ref = warned.first {
            let row = ref.dropFirst()
            #expect(quality["D\(row)"]?.first as? Double == 0.9)
            #expect(quality["C\(row)"]?.first as? Double == 3)
        }
        #expect(!quality.values.contains { $0.first as? String == "乙镇" })
    }

    /// Across releases. February: every district's three enterprises give 10 each (each passes).
    /// 甲 and 丙 were withheld in January; their February 累计 less February's 当月 would give January
    /// back, so their February rows stay withheld (a flow, for the rest of the year), and 环比 of
    /// February is withheld for both. Then 甲 E2's January value is resubmitted (5 → 7): the January
    /// release that follows revises 甲 and the city, and 已发布数据修订 lists the city's revision
    /// without any input value and leaves the withheld 甲 out.
    @Test func withheldCellsStayWithheldInLaterReleasesAndRevisionsShowNoValues() throws {
        let tmp = try setUp(policy: true)
        try writeFebruary(tmp)
        let february = try Binary.run(
            ["report", "--input", "input", "--output", "out", "--period", "2024-02"], in: tmp.url)
        #expect(february.status == 0, "\(february.stderr)")
        let flags = try String(contentsOf: tmp.file("out/2024-02/flags.csv"), encoding: .utf8)
        let suppressed = Set(
            flags.split(separator: "\n").filter { $0.hasSuffix(",suppressed,,") }.map { line in
                line.split(separator: ",").prefix(4).joined(separator: ",")
            })
        for code in ["100000001", "100000003"] {
            for measure in ["month", "ytd", "mom"] {
                #expect(suppressed.contains("2024-02,\(code),export,\(measure)"), "\(code) \(measure)")
            }
        }
        #expect(!suppressed.contains("2024-02,100000002,export,month"))
        #expect(!suppressed.contains("2024-02,100000002,export,mom"))
        // The year's figure is February's 累计: withheld with it (January's 累计 would give it back).
        for code in ["100000001", "100000003"] { #expect(suppressed.contains("2024,\(code),export,annual")) }

        _ = try tmp.write(
            "input/raw/2024-01.v2.csv", "period,district,metric,value,unit,entity\n2024-01,甲,export,7,万元,甲E2\n")
        let again = try Binary.run(
            ["report", "--input", "input", "--output", "out", "--period", "2024-01"], in: tmp.url)
        #expect(again.status == 0, "\(again.stderr)")
        let revisedFlags = try String(contentsOf: tmp.file("out/2024-01/flags.csv"), encoding: .utf8)
        #expect(revisedFlags.contains("2024-01,100000,export,month,revised,305,"))
        // The withheld 甲's earlier value is not in flags.csv either.
        #expect(revisedFlags.contains("2024-01,100000001,export,month,revised,,"))
        #expect(!revisedFlags.contains("2024-01,100000001,export,month,revised,100"))
        let book = try sheets(tmp)
        // 数据质量 does not give the withheld 甲's largest share (with the revision, it gives 甲 back).
        let quality = try #require(book["数据质量"])
        #expect(!quality.values.contains { $0.first as? String == "甲街道" })
        let sheet = try #require(book["已发布数据修订"])
        let texts = sheet.values.compactMap { $0.first as? String }
        #expect(!texts.contains("100000001"), "the withheld 甲 is left out")
        #expect(texts.contains("100000"), "the city's revision is listed")
        #expect(texts.contains { $0.contains("另有") && $0.contains("[c]") }, "the withheld revisions are counted")
        let sources = texts.filter { $0.contains("2024-01.v2.csv") }
        #expect(!sources.isEmpty)
        for text in sources {
            #expect(!text.contains("→") && !text.contains(" = "), "no input value: \(text)")
            #expect(!text.contains("102") && !text.contains("7"), "no value of 甲: \(text)")
        }
    }

    /// A year's figure is compared with the latest release covering the same months of the year,
    /// even when a release of another month came in between: releases 2024-01 (1), 2024-02 (2),
    /// 2024-01 again (3); then 乙 E1's January value is resubmitted (30 → 31) and 2024-02 is
    /// reported (4). 乙's 2024 exports (January and February: 95 + 30 = 125 in release 2, now 126)
    /// are revised against release 2, not left unmarked because release 3 covered January only.
    @Test func aYearsFigureIsComparedWithTheReleaseOfTheSameMonths() throws {
        let tmp = try setUp(policy: false)
        try writeFebruary(tmp)
        for period in ["2024-02", "2024-01"] {
            let run = try Binary.run(
                ["report", "--input", "input", "--output", "out", "--period", period], in: tmp.url)
            #expect(run.status == 0, "\(run.stderr)")
        }
        _ = try tmp.write(
            "input/raw/2024-01.v2.csv", "period,district,metric,value,unit,entity\n2024-01,乙,export,31,万元,乙E1\n")
        let run = try Binary.run(["report", "--input", "input", "--output", "out", "--period", "2024-02"], in: tmp.url)
        #expect(run.status == 0, "\(run.stderr)")
        let flags = try String(contentsOf: tmp.file("out/2024-02/flags.csv"), encoding: .utf8)
        #expect(flags.contains("2024,100000002,export,annual,revised,125,2"), "\(flags)")
        #expect(flags.contains("2024-02,100000002,export,ytd,revised,125,2"), "\(flags)")
        let agg = try Fixtures.aggregates(tmp.file("out/2024-02/aggregates.csv"))
        #expect(agg["2024,100000002,export,annual"] == "126")
    }
}

/// The 数据质量 warning of figures one enterprise dominates (the largest above half of 当月 of the
/// report month), worked out by hand, with and without a policy that withholds nothing here.
/// Report month 2024-03: 甲 export 10 + 20 + 70 (largest 70%), 甲 people 10 + 10 (exactly half:
/// not listed), 乙 export 5 alone (100%), 乙 people 0 alone (a total of 0: no share), 丙 export a
/// district total (not enterprise by enterprise), 丙 people 1 + 1 + 3 (60%). 2024-02 has a
/// dominated figure of its own (丙 export 99 + 1), which is not the report month's.
@Suite struct DominanceWarningTests {
    @Test(arguments: [false, true])
    func theLargestEnterpriseAboveHalfIsListed(policy: Bool) {
        var h = ValidatorHarness(period: "2024-03")
        let march: [(String, String, String, String)] = [
            ("甲", "export", "10", "E1"), ("甲", "export", "20", "E2"), ("甲", "export", "70", "E3"),
            ("甲", "people", "10", "E1"), ("甲", "people", "10", "E2"),
            ("乙", "export", "5", "E4"), ("乙", "people", "0", "E4"),
            ("丙", "people", "1", "E5"), ("丙", "people", "1", "E6"), ("丙", "people", "3", "E7"),
        ]
        for (n, (district, metric, value, entity)) in march.enumerated() {
            h.file(
                "m\(n).csv", [("2024-03", district, metric, value, metric == "export" ? "万元" : "人")], entity: entity)
        }
        h.file("total.csv", [("2024-03", "丙", "export", "40", "万元")])
        h.file("feb1.csv", [("2024-02", "丙", "export", "99", "万元")], entity: "E8")
        h.file("feb2.csv", [("2024-02", "丙", "export", "1", "万元")], entity: "E9")
        let data = h.finish()
        let aggregates = Aggregator.aggregate(data)
        // At least one enterprise, the largest at most 100%: nothing is withheld.
        let rule = policy ? DisclosurePolicy(minimumEnterprises: 1, dominanceN: 1, dominanceK: FixedDecimal(100)) : nil
        let disclosure = Disclosure.apply(rule, data: data, aggregates: aggregates)
        #expect(disclosure.suppressed.isEmpty)
        let people = Fixtures.reference.metrics.firstIndex { $0.id == "people" }!
        let export = Fixtures.reference.metrics.firstIndex { $0.id == "export" }!
        let expected = [
            DominatedFigure(
                district: 0, metric: export, enterprises: 3, largestShare: FixedDecimal(units: 700_000_000)),
            DominatedFigure(district: 1, metric: export, enterprises: 1, largestShare: FixedDecimal(1)),
            DominatedFigure(
                district: 2, metric: people, enterprises: 3, largestShare: FixedDecimal(units: 600_000_000)),
        ]
        #expect(Set(disclosure.dominated.map { "\($0)" }) == Set(expected.map { "\($0)" }))
        #expect(disclosure.dominated.count == expected.count)
    }
}
