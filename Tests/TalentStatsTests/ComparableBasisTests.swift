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

/// ``ComparableBasis`` against its definition, computed here the plain way from the rows fed in:
/// for a month k of year y (window: January to k for a flow, k alone for a stock), an enterprise key
/// is comparable when it reported in the same months of the window in y and y − 1 (at least one);
/// a cell with a district total in the window of either year has no figure. Random enterprises over
/// a series starting mid-year, some under a second district, some months of one cell reported as a
/// district total, and a resubmission that changes values and adds months.
@Suite struct ComparableBasisDefinitionTests {
    struct Key: Hashable {
        let month: YearMonth
        let district: Int
        let metric: Int
        let entity: String
    }

    @Test(arguments: [3, 8, 21] as [UInt64])
    func figuresAreThoseOfTheDefinition(seed: UInt64) {
        let report = YearMonth(year: 2024, month: 9)!
        var h = ValidatorHarness(period: report.description)
        var rng = SeededGenerator(state: seed)
        let districtNames = ["甲", "乙", "丙"]
        let metricIDs = ["people", "export"]
        let units = ["人", "万元"]
        var accepted: [Key: FixedDecimal] = [:]
        func months(_ rng: inout SeededGenerator) -> [YearMonth] {
            (YearMonth(year: 2022, month: 3)!.ordinal...report.ordinal).compactMap { ordinal in
                rng.next() % 5 == 0 ? nil : YearMonth(ordinal: ordinal)
            }
        }
        // 乙's exports are a district total in these months, enterprise by enterprise in the others.
        let totalMonths = Set(months(&rng).filter { _ in rng.next() % 3 == 0 })
        h.file(
            "totals.csv",
            totalMonths.sorted { $0.ordinal < $1.ordinal }.map { ($0.description, "乙", "export", "500", "万元") })
        for month in totalMonths { accepted[Key(month: month, district: 1, metric: 1, entity: "")] = FixedDecimal(500) }
        func rows(_ entity: String, _ rng: inout SeededGenerator) -> [(String, String, String, String, String)] {
            let home = Int(rng.next() % 3)
            var rows: [(String, String, String, String, String)] = []
            for month in months(&rng) {
                for metric in 0..<2 where rng.next() % 4 != 0 {
                    let district = rng.next() % 10 == 0 ? (home + 1) % 3 : home
                    if district == 1 && metric == 1 && totalMonths.contains(month) { continue }
                    let value =
                        metric == 0 ? "\(rng.next() % 500)" : "\(rng.next() % 1000).\(rng.next() % 100)"
                    rows.append((month.description, districtNames[district], metricIDs[metric], value, units[metric]))
                }
            }
            return rows
        }
        var files: [(String, [(String, String, String, String, String)])] = []
        for e in 0..<90 { files.append(("E\(e)", rows("E\(e)", &rng))) }
        // A resubmission of some enterprises: every row of their first file again, some values changed,
        // and months they had not reported.
        for e in stride(from: 0, to: 90, by: 7) {
            var again = files[e].1.map { r in
                rng.next() % 3 == 0 ? (r.0, r.1, r.2, r.2 == "people" ? "\(rng.next() % 500)" : "7.5", r.4) : r
            }
            let known = Set(again.map { "\($0.0) \($0.1) \($0.2)" })
            again += rows("E\(e)", &rng).filter { !known.contains("\($0.0) \($0.1) \($0.2)") }
            files.append(("E\(e)", again))
        }
        for (n, (entity, rows)) in files.enumerated() {
            h.file("f\(n).csv", rows, entity: entity)
            for r in rows {
                let d = districtNames.firstIndex(of: r.1)!
                let m = metricIDs.firstIndex(of: r.2)!
                accepted[Key(month: YearMonth(parsing: r.0)!, district: d, metric: m, entity: entity)] =
                    FixedDecimal(plain: Substring(r.3))!
            }
        }
        let data = h.finish()
        #expect(data.accepted.count == accepted.count, "the model accepts what the validator accepts")
        let first = YearMonth(year: 2022, month: 3)!
        let kinds = Fixtures.reference.metrics.map(\.kind)
        // On one thread, and with both passes split over two (the first pass's tables merged).
        let bases = [1, 2].map {
            ComparableBasis(data.accepted, first: first, report: report, districts: 3, kinds: kinds, threads: $0)
        }
        #expect(bases.map(\.threadsUsed) == [1, 2])

        var figures = 0
        for month in (first.ordinal...report.ordinal).compactMap(YearMonth.init(ordinal:)) where month.year > 2022 {
            for district in 0..<3 {
                for metric in 0..<2 {
                    let window = kinds[metric] == .stock ? [month.month] : Array(1...month.month)
                    func keys(_ year: Int) -> [Key] {
                        accepted.keys.filter {
                            $0.district == district && $0.metric == metric && $0.month.year == year
                                && window.contains($0.month.month)
                        }
                    }
                    let now = keys(month.year)
                    let then = keys(month.year - 1)
                    var expected: (current: FixedDecimal, previous: FixedDecimal)?
                    if !(now + then).contains(where: { $0.entity.isEmpty }) {
                        func monthsOf(_ keys: [Key]) -> [String: Set<Int>] {
                            Dictionary(grouping: keys, by: \.entity).mapValues { Set($0.map(\.month.month)) }
                        }
                        let a = monthsOf(now)
                        let b = monthsOf(then)
                        let comparable = Set(a.keys.filter { a[$0] == b[$0] })
                        if !comparable.isEmpty {
                            expected = (
                                now.filter { comparable.contains($0.entity) }.reduce(.zero) { $0 + accepted[$1]! },
                                then.filter { comparable.contains($0.entity) }.reduce(.zero) { $0 + accepted[$1]! }
                            )
                        }
                    }
                    for basis in bases {
                        let got = basis.figure(
                            district: district, metric: metric, offset: month.ordinal - first.ordinal)
                        #expect(
                            got?.current == expected?.current && got?.previous == expected?.previous,
                            "\(month) \(districtNames[district]) \(metricIDs[metric]), \(basis.threadsUsed) threads: \(String(describing: got)) vs \(String(describing: expected))"
                        )
                    }
                    if expected != nil { figures += 1 }
                }
            }
        }
        // Not vacuous: most cells of 2023 and 2024 have a figure (乙's exports often do not).
        #expect(figures > 60)
    }
}
