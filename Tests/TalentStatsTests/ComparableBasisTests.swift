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

/// The contributions pass of ``ComparableBasis`` split over threads gives what one thread gives,
/// on enterprises reporting in random months over three years (months split at the middle, so
/// each thread has observations whose comparable windows reach into the other's months).
@Suite struct ComparableBasisThreadTests {
    @Test func twoAndThreeThreadsGiveWhatOneGives() {
        var h = ValidatorHarness(period: "2024-12")
        var rng = SeededGenerator(state: 11)
        for e in 0..<120 {
            var rows: [(String, String, String, String, String)] = []
            let district = ["甲", "丙"][e % 2]
            for year in 2022...2024 {
                for month in 1...12 where rng.next() % 4 != 0 {
                    let period = String(format: "%04d-%02d", year, month)
                    rows.append((period, district, "export", "\(rng.next() % 1000).\(rng.next() % 100)", "万元"))
                    rows.append((period, district, "people", "\(rng.next() % 500)", "人"))
                    // A few enterprises report under a second district too (kept by whole key).
                    if e % 12 == 0 && rng.next() % 2 == 0 {
                        rows.append((period, "乙", "export", "\(rng.next() % 1000)", "万元"))
                    }
                }
            }
            h.file("e\(e).csv", rows, entity: "E\(e)")
        }
        let data = h.finish()
        let first = YearMonth(year: 2022, month: 1)!
        let report = YearMonth(year: 2024, month: 12)!
        let kinds = Fixtures.reference.metrics.map(\.kind)
        let one = ComparableBasis(data.accepted, first: first, report: report, districts: 3, kinds: kinds, threads: 1)
        #expect(one.threadsUsed == 1)
        var comparable = 0
        for threads in [2, 3] {
            let many = ComparableBasis(
                data.accepted, first: first, report: report, districts: 3, kinds: kinds, threads: threads)
            #expect(many.threadsUsed == threads, "the pass ran on \(threads) threads")
            for d in 0..<3 {
                for m in 0..<2 {
                    for offset in 0..<36 {
                        let a = one.figure(district: d, metric: m, offset: offset)
                        let b = many.figure(district: d, metric: m, offset: offset)
                        #expect(
                            a?.current == b?.current && a?.previous == b?.previous, "\(threads) \(d) \(m) \(offset)")
                        if a != nil { comparable += 1 }
                    }
                }
            }
        }
        // Not a vacuous comparison (counted in both rounds): every stock month of 2023 and 2024 of 甲
        // and 丙 has a comparable figure, and so do the first months of the flow.
        #expect(comparable > 2 * 2 * 24 + 2 * 2 * 2)
    }
}

/// ``Aggregator`` computes the comparable basis on a thread of its own beside the monthly sums:
/// every figure is the one a computation on one thread gives, and the other thread did run.
@Suite struct AggregatorConcurrencyTests {
    @Test func theBasisBesideTheSumsGivesTheSameFigures() {
        var h = ValidatorHarness(period: "2024-12")
        var rng = SeededGenerator(state: 5)
        for e in 0..<40 {
            var rows: [(String, String, String, String, String)] = []
            for year in 2023...2024 {
                for month in 1...12 where rng.next() % 3 != 0 {
                    let period = String(format: "%04d-%02d", year, month)
                    rows.append(
                        (period, ["甲", "乙"][e % 2], "export", "\(rng.next() % 1000).\(rng.next() % 100)", "万元"))
                    rows.append((period, "丙", "people", "\(rng.next() % 500)", "人"))
                }
            }
            h.file("e\(e).csv", rows, entity: "E\(e)")
        }
        let data = h.finish()
        let alone = Aggregator.aggregate(data, concurrently: false)
        let beside = Aggregator.aggregate(data, concurrently: true)
        #expect(!alone.basisComputedBeside)
        #expect(beside.basisComputedBeside, "the comparable basis ran on another thread")
        #expect(alone.rows == beside.rows)
        // The figures include comparable-basis growth, which the other thread computed.
        #expect(beside.rows.filter { $0.key.measure == .yoyComparable }.count > 24)
    }
}

/// A ``BackgroundTask`` runs its work on another thread when asked to, on this one otherwise.
@Suite struct BackgroundTaskTests {
    @Test func runsElsewhereOnlyWhenAsked() {
        let caller = pthread_self()
        let beside = BackgroundTask(concurrently: true) { pthread_equal(pthread_self(), caller) == 0 }
        let (value, elsewhere) = beside.outcome()
        #expect(value && elsewhere)
        #expect(beside.wait(), "a second wait returns the same result at once")
        let here = BackgroundTask(concurrently: false) { pthread_equal(pthread_self(), caller) == 0 }
        #expect(here.outcome() == (false, false))
    }
}

/// The figures' sort on packed ranks gives the order of the string comparison it replaces, on
/// random keys whose fields are prefixes of one another (`2024` and `2024-01`), of unequal lengths,
/// outside ASCII, and repeated.
@Suite struct AggregateOrderTests {
    @Test func packedRanksSortAsTheStringsDo() {
        var rng = SeededGenerator(state: 21)
        let periods = ["2024", "2024-01", "2023-12", "2024-1", "2025", "202", "2024-10"]
        let codes = ["100000", "441900", "4419001", "44190", "东莞", "a", "A"]
        let metrics = ["people", "export", "people2", "Export", "人才", ""]
        for _ in 0..<50 {
            let rows = (0..<Int(rng.next() % 400)).map { i in
                AggregateRow(
                    key: AggregateKey(
                        period: periods[Int(rng.next() % 7)], districtCode: codes[Int(rng.next() % 7)],
                        metric: metrics[Int(rng.next() % 6)],
                        measure: Measure.allCases[Int(rng.next() % UInt64(Measure.allCases.count))]),
                    value: .count(i))
            }
            var expected = rows
            // The reference: an insertion sort by the string comparison (stable by construction).
            for i in expected.indices.dropFirst() {
                var j = i
                while j > 0 && AggregateKey.byteOrder(expected[j].key, expected[j - 1].key) {
                    expected.swapAt(j, j - 1)
                    j -= 1
                }
            }
            #expect(Aggregates.sortedByKey(rows) == expected)
        }
    }
}
