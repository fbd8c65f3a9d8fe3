import Foundation
import Testing

@testable import TalentStats

/// Aggregation on hand-made observations; every expected value below is worked out by hand.
@Suite struct AggregateTests {
    /// people (stock): 甲 100/110/120/120, 乙 50/50/60/–, 丙 –/–/60/0 for 2023-11..2024-02;
    /// export (flow): 甲 –/0.1/1.5/2, 乙 –/0.2/0.5/1, 丙 –/–/–/3.
    func sample() -> Aggregates {
        var h = ValidatorHarness(period: "2024-02")
        h.file(
            "a.csv",
            [
                ("2023-11", "甲", "people", "100", ""), ("2023-11", "乙", "people", "50", ""),
                ("2023-12", "甲", "people", "110", ""), ("2023-12", "乙", "people", "50", ""),
                ("2024-01", "甲", "people", "120", ""), ("2024-01", "乙", "people", "60", ""),
                ("2024-01", "丙", "people", "60", ""),
                ("2024-02", "甲", "people", "120", ""), ("2024-02", "丙", "people", "0", ""),
                ("2023-12", "甲", "export", "0.1", ""), ("2023-12", "乙", "export", "0.2", ""),
                ("2024-01", "甲", "export", "1.5", ""), ("2024-01", "乙", "export", "0.5", ""),
                ("2024-02", "甲", "export", "2", ""), ("2024-02", "乙", "export", "1", ""),
                ("2024-02", "丙", "export", "3", ""),
            ])
        return Aggregator.aggregate(h.finish())
    }

    let city = "100000", jia = "100000001", yi = "100000002", bing = "100000003"

    func text(_ a: Aggregates, _ p: String, _ d: String, _ m: String, _ measure: Measure) -> String? {
        a.value(p, d, m, measure)?.text
    }

    @Test func stockMonthYtdMomShareRank() {
        let a = sample()
        // City = sum of the districts that reported.
        #expect(text(a, "2023-11", city, "people", .month) == "150")
        #expect(text(a, "2024-01", city, "people", .month) == "240")
        #expect(text(a, "2024-02", city, "people", .month) == "120")
        // Stock ytd = month.
        #expect(text(a, "2024-02", city, "people", .ytd) == "120")
        // mom: 160/150−1, 240/160−1, 120/240−1.
        #expect(text(a, "2023-12", city, "people", .mom) == "0.066667")
        #expect(text(a, "2024-01", city, "people", .mom) == "0.5")
        #expect(text(a, "2024-02", city, "people", .mom) == "-0.5")
        // January compares with December: 120/110−1.
        #expect(text(a, "2024-01", jia, "people", .mom) == "0.090909")
        // No previous month for 丙 in 2024-01; 0/60−1 in 2024-02; 乙 has no 2024-02 value.
        #expect(text(a, "2024-01", bing, "people", .mom) == nil)
        #expect(text(a, "2024-02", bing, "people", .mom) == "-1")
        #expect(text(a, "2024-02", yi, "people", .month) == nil)
        #expect(text(a, "2024-02", yi, "people", .mom) == nil)
        // Ties share a rank: 2024-01 甲 120, 乙 60, 丙 60 → 1, 2, 2.
        #expect([jia, yi, bing].map { text(a, "2024-01", $0, "people", .rank) } == ["1", "2", "2"])
        #expect([jia, yi, bing].map { text(a, "2024-01", $0, "people", .share) } == ["0.5", "0.25", "0.25"])
        // Zero is ranked; a missing value is not.
        #expect([jia, yi, bing].map { text(a, "2024-02", $0, "people", .rank) } == ["1", nil, "2"])
        #expect(text(a, "2024-02", bing, "people", .share) == "0")
        // The city has no share or rank.
        #expect(text(a, "2024-02", city, "people", .share) == nil)
        #expect(text(a, "2024-02", city, "people", .rank) == nil)
        // No data a year earlier: no ytd_prev, no yoy anywhere.
        #expect(!a.rows.contains { $0.key.measure == .ytdPrev || $0.key.measure == .yoy })
    }

    @Test func flowYtdIsExactAndRestartsInJanuary() {
        let a = sample()
        #expect(text(a, "2023-12", city, "export", .month) == "0.3")  // 0.1 + 0.2 exactly
        #expect(text(a, "2023-11", city, "export", .ytd) == nil)  // no month with data yet
        #expect(text(a, "2023-12", city, "export", .ytd) == "0.3")
        #expect(text(a, "2024-01", city, "export", .ytd) == "2")
        #expect(text(a, "2024-02", city, "export", .ytd) == "8")
        #expect(text(a, "2024-02", jia, "export", .ytd) == "3.5")
        #expect(text(a, "2024-02", bing, "export", .ytd) == "3")
        #expect(text(a, "2024-01", bing, "export", .ytd) == nil)
        #expect(text(a, "2024-01", city, "export", .mom) == "5.666667")  // 2/0.3−1
        #expect([jia, yi, bing].map { text(a, "2024-02", $0, "export", .share) } == ["0.4375", "0.1875", "0.375"])
        #expect([jia, yi, bing].map { text(a, "2024-02", $0, "export", .rank) } == ["1", "3", "2"])
    }

    @Test func annualFiguresFollowStockAndFlowRules() {
        let a = sample()
        // Stock: the level at the latest month with data.
        #expect(text(a, "2023", city, "people", .annual) == "160")
        // The city's annual stock is the sum of the districts' annual stocks: 乙 is carried from
        // January (甲 120 + 乙 60 + 丙 0), not the city's February level (120).
        #expect(text(a, "2024", city, "people", .annual) == "180")
        #expect(text(a, "2024", city, "people", .months) == "2")
        #expect(text(a, "2024", yi, "people", .annual) == "60")
        #expect(text(a, "2024", yi, "people", .months) == "1")
        #expect(text(a, "2023", bing, "people", .annual) == nil)  // no data that year: no rows
        #expect(text(a, "2023", bing, "people", .months) == nil)
        #expect([jia, yi, bing].map { text(a, "2024", $0, "people", .annualRank) } == ["1", "2", "3"])
        #expect(text(a, "2023", jia, "people", .annualShare) == "0.6875")
        // Flow: the sum of its months.
        #expect(text(a, "2023", city, "export", .annual) == "0.3")
        #expect(text(a, "2023", city, "export", .months) == "1")
        #expect(text(a, "2024", city, "export", .annual) == "8")
        #expect([jia, yi].map { text(a, "2023", $0, "export", .annualShare) } == ["0.333333", "0.666667"])
        // 2024 is incomplete (report month 2) and 2022 has no data: no annual_yoy.
        #expect(!a.rows.contains { $0.key.measure == .annualYoy })
    }

    @Test func annualYoyForCompleteYearsOnly() {
        var h = ValidatorHarness(period: "2024-12")
        h.file(
            "a.csv",
            [
                ("2022-06", "甲", "export", "10", ""), ("2023-03", "甲", "export", "4", ""),
                ("2023-09", "甲", "export", "11", ""),
                ("2024-12", "甲", "export", "30", ""),
                ("2022-12", "甲", "people", "100", ""), ("2023-12", "甲", "people", "0", ""),
                ("2024-12", "甲", "people", "7", ""),
            ])
        let a = Aggregator.aggregate(h.finish())
        // Years with data for different months are not compared: 2023 (March, September) against
        // 2022 (June) would be 15/10−1, 2024 (December) against 2023 30/15−1. Both absent.
        #expect(text(a, "2023", jia, "export", .annualYoy) == nil)
        #expect(text(a, "2024", jia, "export", .annualYoy) == nil)
        #expect(text(a, "2023", jia, "people", .annualYoy) == "-1")  // December both years: 0/100−1
        #expect(text(a, "2024", jia, "people", .annualYoy) == nil)  // previous annual is 0
        #expect(text(a, "2022", jia, "export", .annualYoy) == nil)  // no 2021
        // ytd_prev and yoy for flows: 2023-09 ytd 15 vs 2022-09 ytd 10.
        #expect(text(a, "2023-09", jia, "export", .ytdPrev) == "10")
        #expect(text(a, "2023-09", jia, "export", .yoy) == "0.5")
        // ytd_prev is written whenever last year's figure exists, even without this year's.
        #expect(text(a, "2023-06", jia, "export", .ytdPrev) == "10")
        #expect(text(a, "2023-06", jia, "export", .ytd) == "4")
        #expect(text(a, "2022-12", jia, "people", .mom) == nil)
    }

    @Test func rowsAreInByteOrder() {
        let a = sample()
        let keys = a.rows.map { "\($0.key.period),\($0.key.districtCode),\($0.key.metric),\($0.key.measure.rawValue)" }
        #expect(keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(keys.first?.hasPrefix("2023,") == true)  // "2023" sorts before "2023-11"
    }

    @Test func competitionRanking() {
        let v = [FixedDecimal(5), nil, FixedDecimal(7), FixedDecimal(5), FixedDecimal(0), FixedDecimal(7)]
        #expect(Aggregator.competitionRanks(v) == [3, nil, 1, 3, 5, 1])
    }
}
