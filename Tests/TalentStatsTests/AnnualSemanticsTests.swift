import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Annual figures (issue 10, defects 5 and 6): the city's annual stock is the sum of the districts'
/// annual stocks, and annual 同比 compares only years with data for the same months. Every expected
/// value is worked out by hand in the comments.
@Suite struct AnnualSemanticsTests {
    let city = "100000", jia = "100000001", yi = "100000002", bing = "100000003"

    func text(_ a: Aggregates, _ p: String, _ d: String, _ m: String, _ measure: Measure) -> String? {
        a.value(p, d, m, measure)?.text
    }

    /// 乙 reports people only in November (2000); 甲 (110) and 丙 (310) in December.
    /// Exports (a flow): 乙 1.5 in November, 甲 2 in December, 丙 0.25 in March.
    static let carriedRows: [(String, String, String, String, String)] = [
        ("2024-11", "乙", "people", "2000", ""), ("2024-12", "甲", "people", "110", ""),
        ("2024-12", "丙", "people", "310", ""),
        ("2024-11", "乙", "export", "1.5", ""), ("2024-12", "甲", "export", "2", ""),
        ("2024-03", "丙", "export", "0.25", ""),
    ]

    func carried() -> Aggregates {
        var h = ValidatorHarness(period: "2024-12")
        h.file("a.csv", Self.carriedRows)
        return Aggregator.aggregate(h.finish())
    }

    // MARK: - Defect 5: a stock's annual figures agree with each other

    @Test func cityAnnualStockIsTheSumOfTheDistrictsLatestLevels() {
        let a = carried()
        // 乙 is carried from November: 2000 + 110 + 310.
        #expect(text(a, "2024", city, "people", .annual) == "2420")
        #expect([jia, yi, bing].map { text(a, "2024", $0, "people", .annual) } == ["110", "2000", "310"])
        // 110/2420 = 0.0454545…, 2000/2420 = 0.8264462…, 310/2420 = 0.1280991…
        let shares = [jia, yi, bing].map { text(a, "2024", $0, "people", .annualShare) }
        #expect(shares == ["0.045455", "0.826446", "0.128099"])
        #expect(
            shares.compactMap { $0.flatMap { FixedDecimal(plain: Substring($0)) } }.reduce(FixedDecimal.zero, +)
                == FixedDecimal(1))
        #expect([jia, yi, bing].map { text(a, "2024", $0, "people", .annualRank) } == ["3", "1", "2"])
        // The city's months: those in which any district reported (November and December).
        #expect(text(a, "2024", city, "people", .months) == "2")
        #expect(text(a, "2024", yi, "people", .months) == "1")
        // The monthly figures are unchanged: the city's December is the districts that reported it.
        #expect(text(a, "2024-12", city, "people", .month) == "420")
        #expect(text(a, "2024-11", city, "people", .month) == "2000")
        // Where each district's annual stock comes from.
        #expect(a.annualCarriedFrom(2024, yi, "people") == YearMonth(year: 2024, month: 11))
        #expect(a.annualCarriedFrom(2024, jia, "people") == nil)
        #expect(a.annualCarriedFrom(2024, bing, "people") == nil)
    }

    @Test func flowAnnualsAreUnchangedAndAddUp() {
        let a = carried()
        // 1.5 + 2 + 0.25, which is also the sum of the city's months (0.25 in March, 1.5, 2).
        #expect(text(a, "2024", city, "export", .annual) == "3.75")
        #expect(text(a, "2024", city, "export", .months) == "3")
        #expect([jia, yi, bing].map { text(a, "2024", $0, "export", .annual) } == ["2", "1.5", "0.25"])
        // 2/3.75, 1.5/3.75, 0.25/3.75 = 0.0666…
        #expect(
            [jia, yi, bing].map { text(a, "2024", $0, "export", .annualShare) } == ["0.533333", "0.4", "0.066667"])
        #expect(text(a, "2024-12", city, "export", .ytd) == "3.75")
    }

    @Test func annualSheetTotalIsASumFormulaAndTheCarriedDistrictIsMarked() throws {
        var h = ValidatorHarness(period: "2024-12")
        h.file("a.csv", Self.carriedRows)
        let data = h.finish()
        let a = Aggregator.aggregate(data)
        let quality = QualityFindings.find(
            in: data, aggregates: a, outlierThreshold: FixedDecimal(units: FixedDecimal.unit / 2))
        let model = ReportModel(
            reference: Fixtures.reference, aggregates: a, validated: data, quality: quality,
            settings: ReportSettings(organization: "测试", generated: Date(timeIntervalSince1970: 0)))
        let tmp = try TemporaryFolder()
        let url = tmp.file("book.xlsx")
        try WorkbookReport.write(model, to: url.path)
        try Self.checkAnnualSheets(try XlsxReadBack(url: url))
    }

    /// The annual sheets of a workbook made from ``carriedRows``: header on row 4, 甲 乙 丙 on rows 5–7,
    /// 全市合计 on row 8, one year (2024) in column C; stocks have a 备注 column D and a note on row 10.
    static func checkAnnualSheets(_ book: XlsxReadBack) throws {
        let people = try #require(book.sheet("人员（年度）"))
        #expect(people["B8"]?.value == .string("全市合计"))
        #expect(people["C8"]?.formula == "SUM(C5:C7)")
        #expect(people["C8"]?.value == .number(2420))
        #expect(people["C6"]?.value == .number(2000))  // the cell stays a number
        #expect(people["D4"]?.value == .string("备注"))
        #expect(people["D6"]?.value == .string("2024年取自11月"))
        for row in [5, 7, 8] { #expect(people["D\(row)"]?.value.map { "\($0)".contains("取自") } != true, "D\(row)") }
        guard case .string(let note)? = people["A10"]?.value else {
            Issue.record("no note on 人员（年度）!A10")
            return
        }
        #expect(note.hasPrefix("注："))
        #expect(note.contains("取其当年最后报送月份"))
        #expect(note.contains("本表共 1 处"))

        let export = try #require(book.sheet("出口额（年度）"))
        #expect(export["C8"]?.formula == "SUM(C5:C7)")
        #expect(export["C8"]?.value == .number(3.75))
        #expect(export["D4"] == nil)  // flows are never carried: no 备注 column
    }

    // MARK: - Defect 6: annual 同比 compares like with like

    /// Report 2024-12, so 2022, 2023 and 2024 are complete.
    /// export (flow): 甲 2022-06 80; 2023 every month 10 (120); 2024 every month 12 (144).
    ///                乙 2024-06 30 only. 丙 2023-03 5, 2024-03 6.
    /// people (stock): 甲 2022-12 100; 2023-06 120, 2023-12 150; 2024-06 130, 2024-12 180.
    func yoyCase() -> Aggregates {
        var rows: [(String, String, String, String, String)] = [
            ("2022-06", "甲", "export", "80", ""), ("2024-06", "乙", "export", "30", ""),
            ("2023-03", "丙", "export", "5", ""), ("2024-03", "丙", "export", "6", ""),
            ("2022-12", "甲", "people", "100", ""), ("2023-06", "甲", "people", "120", ""),
            ("2023-12", "甲", "people", "150", ""),
            ("2024-06", "甲", "people", "130", ""), ("2024-12", "甲", "people", "180", ""),
        ]
        for m in 1...12 {
            rows.append((String(format: "2023-%02d", m), "甲", "export", "10", ""))
            rows.append((String(format: "2024-%02d", m), "甲", "export", "12", ""))
        }
        var h = ValidatorHarness(period: "2024-12")
        h.file("a.csv", rows)
        return Aggregator.aggregate(h.finish())
    }

    @Test func annualYoyIsAbsentWhenTheYearsHaveDifferentMonths() {
        let a = yoyCase()
        // 甲: a full 2023 (120) against one month of 2022 (80) is not +50%: absent.
        #expect(text(a, "2023", jia, "export", .annual) == "120")
        #expect(text(a, "2022", jia, "export", .annual) == "80")
        #expect(text(a, "2023", jia, "export", .annualYoy) == nil)
        // The city reported in June 2022 only (甲) and in every month of 2023: absent too.
        #expect(text(a, "2022", city, "export", .months) == "1")
        #expect(text(a, "2023", city, "export", .months) == "12")
        #expect(text(a, "2023", city, "export", .annualYoy) == nil)
        // Stock: 甲 has December 2022 only, then June and December 2023.
        #expect(text(a, "2023", jia, "people", .annualYoy) == nil)
        #expect(text(a, "2023", city, "people", .annualYoy) == nil)
        // 乙 has no 2023 at all.
        #expect(text(a, "2024", yi, "export", .annualYoy) == nil)
        #expect(!a.rows.contains { $0.key.period == "2022" && $0.key.measure == .annualYoy })
    }

    @Test func annualYoyIsPresentWhenTheYearsHaveTheSameMonths() {
        let a = yoyCase()
        // 甲: 144/120 − 1; 丙: March against March, 6/5 − 1.
        #expect(text(a, "2024", jia, "export", .annualYoy) == "0.2")
        #expect(text(a, "2024", bing, "export", .annualYoy) == "0.2")
        // The city reported in every month of both years (乙's June and 丙's March fall in months 甲
        // reported anyway): (144 + 30 + 6) / (120 + 5) − 1 = 180/125 − 1.
        #expect(text(a, "2024", city, "export", .annual) == "180")
        #expect(text(a, "2023", city, "export", .annual) == "125")
        #expect(text(a, "2024", city, "export", .annualYoy) == "0.44")
        // Stock, June and December both years: 180/150 − 1.
        #expect(text(a, "2024", jia, "people", .annualYoy) == "0.2")
        #expect(text(a, "2024", city, "people", .annualYoy) == "0.2")
    }

    @Test func theCitysMonthsAreThoseOfAnyDistrictNotOfEach() {
        // 甲 reports in March of both years, 乙 in September 2023 and 丙 in September 2024: no district
        // has the same months in both years, but the city reported in March and September of both.
        var h = ValidatorHarness(period: "2024-12")
        h.file(
            "a.csv",
            [
                ("2023-03", "甲", "export", "4", ""), ("2023-09", "乙", "export", "6", ""),
                ("2024-03", "甲", "export", "5", ""), ("2024-09", "丙", "export", "10", ""),
            ])
        let a = Aggregator.aggregate(h.finish())
        #expect(text(a, "2024", jia, "export", .annualYoy) == "0.25")  // 5/4 − 1
        #expect(text(a, "2024", yi, "export", .annualYoy) == nil)  // no 2024
        #expect(text(a, "2024", bing, "export", .annualYoy) == nil)  // no 2023
        #expect(text(a, "2024", city, "export", .annualYoy) == "0.5")  // 15/10 − 1
    }

    @Test func anIncompleteReportYearHasNoAnnualYoyEvenWithTheSameMonths() {
        var h = ValidatorHarness(period: "2024-06")
        h.file("a.csv", [("2023-03", "甲", "export", "4", ""), ("2024-03", "甲", "export", "5", "")])
        let a = Aggregator.aggregate(h.finish())
        #expect(text(a, "2024", jia, "export", .annual) == "5")
        #expect(!a.rows.contains { $0.key.measure == .annualYoy })
    }

    // MARK: - The real binary

    /// The exact case of issue 10 through the built executable: aggregates.csv and the workbook.
    @Test func endToEndCarriedStock() throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        try FileManager.default.removeItem(at: input.appendingPathComponent("raw"))
        let body = Self.carriedRows.map { "\($0.0),\($0.1),\($0.2),\($0.3)" }.joined(separator: "\n")
        try tmp.write("input/raw/2024.csv", "period,district,metric,value\n" + body + "\n")
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")  // 乙 did not report December: a finding
        let folder = tmp.file("out/2024-12")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024,\(city),people,annual"] == "2420")
        #expect(agg["2024,\(city),people,months"] == "2")
        #expect(agg["2024,\(yi),people,annual_share"] == "0.826446")
        #expect(agg["2024,\(jia),people,annual_share"] == "0.045455")
        #expect(agg["2024,\(bing),people,annual_share"] == "0.128099")
        #expect(agg["2024,\(city),export,annual"] == "3.75")
        #expect(!agg.keys.contains { $0.hasSuffix(",annual_yoy") })
        try Self.checkAnnualSheets(try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-12.xlsx")))
    }
}
