import Foundation
import Testing

@testable import TalentStats

/// 可比同比 worked out by hand. District 甲 reports enterprise by enterprise:
///
///     export (flow, 万元) and people (stock), the same values:
///              2023-01  2023-02  2024-01  2024-02
///     E1         10       10       12       13      same months both years: comparable throughout
///     E2         20       20        —        —      left the scope
///     E3          —        5        7        8      months differ from January on: never for a flow;
///                                                   for a stock, comparable in February (both years)
///     E4          —        —        —      100      entered in 2024-02
///
/// District 乙 reports totals: export 2023-01 50, 2023-02 50, 2024-01 60 (no February).
@Suite struct ComparableBasisTests {
    func aggregates(report: String = "2024-02") -> Aggregates {
        var h = ValidatorHarness(period: report)
        let values: [(String, [(String, String)])] = [
            ("E1", [("2023-01", "10"), ("2023-02", "10"), ("2024-01", "12"), ("2024-02", "13")]),
            ("E2", [("2023-01", "20"), ("2023-02", "20")]),
            ("E3", [("2023-02", "5"), ("2024-01", "7"), ("2024-02", "8")]),
            ("E4", [("2024-02", "100")]),
        ]
        for (entity, months) in values {
            h.file(
                "\(entity).csv",
                months.flatMap { [($0.0, "甲", "export", $0.1, "万元"), ($0.0, "甲", "people", $0.1, "人")] },
                entity: entity)
        }
        h.file(
            "yi.csv",
            [
                ("2023-01", "乙", "export", "50", "万元"), ("2023-02", "乙", "export", "50", "万元"),
                ("2024-01", "乙", "export", "60", "万元"),
            ])
        return Aggregator.aggregate(h.finish())
    }

    func value(_ a: Aggregates, _ period: String, _ code: String, _ metric: String, _ measure: Measure) -> String? {
        a.value(period, code, metric, measure)?.text
    }

    @Test func enterprisesOutsideTheComparableBasisMakeNoGrowth() {
        let a = aggregates()
        let jia = "100000001"
        // Flow: January E1 only, 12 / 10 − 1; February E1 only, (12 + 13) / (10 + 10) − 1.
        #expect(value(a, "2024-01", jia, "export", .yoyComparable) == "0.2")
        #expect(value(a, "2024-02", jia, "export", .yoyComparable) == "0.25")
        // 同比 counts everyone: (12 + 7 + 13 + 8 + 100) / (10 + 20 + 10 + 20 + 5) − 1 = 140 / 65 − 1.
        #expect(value(a, "2024-02", jia, "export", .yoy) == "1.153846")
        // Stock: January E1 (12 / 10 − 1); February E1 and E3 ((13 + 8) / (10 + 5) − 1).
        #expect(value(a, "2024-01", jia, "people", .yoyComparable) == "0.2")
        #expect(value(a, "2024-02", jia, "people", .yoyComparable) == "0.4")
        // 乙 reports totals: no enterprise basis.
        #expect(value(a, "2024-01", "100000002", "export", .yoyComparable) == nil)
    }

    @Test func theCityComparesTheDistrictsThatReportedTheSameMonths() {
        let a = aggregates()
        let city = "100000"
        // January: 甲 and 乙 both reported January in both years: (12 + 7 + 60) / (10 + 20 + 50) − 1
        // = 79 / 80 − 1, the same as 同比.
        #expect(value(a, "2024-01", city, "export", .yoy) == "-0.0125")
        #expect(value(a, "2024-01", city, "export", .yoyComparable) == "-0.0125")
        // February: 乙 missed it this year, so only 甲: 140 / 65 − 1; 同比 is (140 + 60) / (65 + 100) − 1.
        #expect(value(a, "2024-02", city, "export", .yoy) == "0.212121")
        #expect(value(a, "2024-02", city, "export", .yoyComparable) == "1.153846")
        // The difference between the two is exactly 乙's part: without it 同比 would equal 可比同比.
    }

    @Test func annualComparableGrowthForCompleteYears() {
        // Reported to 2024-12, the year is complete: 甲's months {1, 2} in both years.
        let a = aggregates(report: "2024-12")
        let jia = "100000001"
        // Flow over the year: E1 only: 25 / 20 − 1. 年度同比: 140 / 65 − 1.
        #expect(value(a, "2024", jia, "export", .annualYoy) == "1.153846")
        #expect(value(a, "2024", jia, "export", .annualYoyComparable) == "0.25")
        // Stock at the closing month (February): E1 and E3, 21 / 15 − 1.
        #expect(value(a, "2024", jia, "people", .annualYoyComparable) == "0.4")
        // The city: 乙's months differ ({1} against {1, 2}), so only 甲's annual figures: 140 / 65 − 1.
        #expect(value(a, "2024", "100000", "export", .annualYoyComparable) == "1.153846")
    }
}
