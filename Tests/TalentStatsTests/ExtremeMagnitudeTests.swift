import Foundation
import TestSupport
import Testing

/// Extreme but valid magnitudes for every metric and so for every measure (month, ytd, ytd_prev,
/// yoy, mom, share, rank, annual, months, annual_share, annual_rank, annual_yoy): the run publishes,
/// the workbook is well-formed, and the figures are the exact ones, checked against Foundation's
/// `Decimal` (an independent route: 38 significant digits).
@Suite struct ExtremeMagnitudeTests {
    @Test func everyMeasureOfExtremeValuesIsPublishedExactly() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        let metrics = [
            "talent_headcount", "high_level_talent", "skilled_workers", "new_skilled_workers", "cross_border_export",
        ]
        // The smallest and largest values the contract allows: 10⁻⁹ (only where decimals are allowed)
        // and 10¹² in the metric's unit, in every month of two years, for two districts.
        var rows = "period,district,metric,value\n"
        for metric in metrics {
            let tiny = metric == "cross_border_export" ? "0.000000001" : "1"
            for year in [2023, 2024] {
                for month in 1...12 {
                    let period = String(format: "%04d-%02d", year, month)
                    // 东城: tiny in odd months, huge in even ones; 南城: always huge.
                    rows += "\(period),东城,\(metric),\(month % 2 == 1 ? tiny : "1000000000000")\n"
                    rows += "\(period),南城,\(metric),1000000000000\n"
                }
            }
        }
        try tmp.write("input/raw/extreme.csv", rows)
        let run = try Binary.run(["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")  // the other 31 districts are missing
        let folder = tmp.file("out/2024-12")
        #expect(
            try XlsxReadBack.malformedXMLParts(at: folder.appendingPathComponent("talent-report-2024-12.xlsx")) == [])
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        for value in agg.values { #expect(Decimal(string: value) != nil, "\(value)") }

        func d(_ s: String) -> Decimal { Decimal(string: s)! }
        func rounded6(_ x: Decimal) -> String {
            var x = x
            var r = Decimal()
            NSDecimalRound(&r, &x, 6, .plain)  // half away from zero
            return NSDecimalNumber(decimal: r).stringValue
        }
        let huge = d("1000000000000")
        let tinyFlow = d("0.000000001")
        let dc = "441900003"
        let nc = "441900004"
        let city = "441900"
        // mom of cross_border_export for 东城 in 2024-12: 1e12 / 1e-9 − 1.
        #expect(agg["2024-12,\(dc),cross_border_export,mom"] == rounded6(huge / tinyFlow - 1))
        #expect(agg["2024-11,\(dc),cross_border_export,mom"] == rounded6(tinyFlow / huge - 1))
        // ytd of a flow: 6 huge + 6 tiny months.
        let ytd = huge * 6 + tinyFlow * 6
        #expect(agg["2024-12,\(dc),cross_border_export,ytd"] == NSDecimalNumber(decimal: ytd).stringValue)
        #expect(agg["2024-12,\(city),cross_border_export,ytd"] == NSDecimalNumber(decimal: ytd + huge * 12).stringValue)
        #expect(agg["2024-12,\(dc),cross_border_export,share"] == rounded6(ytd / (ytd + huge * 12)))
        #expect(agg["2024-12,\(dc),cross_border_export,yoy"] == "0")
        #expect(agg["2024,\(city),cross_border_export,annual_yoy"] == "0")
        #expect(agg["2024,\(nc),cross_border_export,annual_share"] == rounded6(huge * 12 / (ytd + huge * 12)))
        #expect(agg["2024,\(nc),cross_border_export,annual_rank"] == "1")
        // Stocks: the level at December; the city's is the sum; 环比 of 1 → 1e12 for 东城 in 2024-12.
        #expect(agg["2024-12,\(dc),talent_headcount,mom"] == rounded6(huge / 1 - 1))
        #expect(agg["2024,\(city),talent_headcount,annual"] == "2000000000000")
        #expect(agg["2024,\(city),talent_headcount,months"] == "12")
        #expect(agg["2024-12,\(dc),talent_headcount,share"] == "0.5")
        #expect(agg["2024-12,\(dc),talent_headcount,rank"] == "1")
        #expect(agg["2024-12,\(nc),talent_headcount,rank"] == "1")
        // The new flow of whole persons: ytd 6 × 1e12 + 6.
        #expect(agg["2024-12,\(dc),new_skilled_workers,ytd"] == "6000000000006")
        #expect(agg["2024-12,\(dc),new_skilled_workers,ytd_prev"] == "6000000000006")
    }

    /// Values past the limits are rejected with the reason that applies, not a generic one.
    @Test func valuesPastTheLimitsSayWhy() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        try tmp.write(
            "input/raw/a.csv",
            """
            period,district,metric,value,unit
            2024-12,东城,talent_headcount,1000000000000,万人
            2024-12,东城,cross_border_export,1000000000000,亿元
            2024-12,东城,cross_border_export,0.000000001,元
            2024-12,东城,cross_border_export,\(String(repeating: "9", count: 41)),
            2024-12,东城,cross_border_export,1.0000000001,
            2024-12,南城,talent_headcount,1,

            """)
        let run = try Binary.run(["validate", "--period", "2024-12", "--input", "input"], in: tmp.url)
        #expect(run.status == 2)
        #expect(
            run.stdout.contains(
                "a.csv:2: bad_value: column 4: value 1000000000000 万人 is larger than 1000000000000 人 once converted"),
            "\(run.stdout)")
        #expect(
            run.stdout.contains(
                "a.csv:3: bad_value: column 4: value 1000000000000 亿元 is larger than 1000000000000 万元 once converted"))
        #expect(
            run.stdout.contains(
                "a.csv:4: bad_value: column 4: value 0.000000001 元 cannot be held exactly in 万元 (more than 9 decimal places once converted)"
            ))
        #expect(
            run.stdout.contains(
                "a.csv:5: bad_value: column 4: value '\(String(repeating: "9", count: 41))' is larger than 1000000000000"
            ))
        #expect(
            run.stdout.contains("a.csv:6: bad_value: column 4: value '1.0000000001' has more than 9 decimal places"))
    }
}
