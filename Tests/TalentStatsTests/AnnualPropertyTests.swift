import Foundation
import Testing

@testable import TalentStats

/// Properties of the annual figures on random inputs with gaps (seeded, see ``SeededGenerator``):
/// the city's annual figure is the exact sum of the districts', the districts' annual shares add up
/// to 1, and annual 同比 appears exactly when the two years have data for the same months.
@Suite struct AnnualPropertyTests {
    static let seeds: [UInt64] = Array(1...25)
    let reference = Fixtures.reference
    let years = [2022, 2023, 2024]

    /// Month patterns that make equal month sets across years likely, plus a random one.
    static func months(_ rng: inout SeededGenerator) -> [Int] {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return Array(1...12)
        case 1: return Array(1...11)  // missed December: a carried stock
        case 2: return [6, 12]
        case 3: return []
        default: return (1...12).filter { _ in Bool.random(using: &rng) }
        }
    }

    /// Random valid rows for 2022–2024 and the report period (December, or June 2024 for odd seeds).
    func compute(_ seed: UInt64) -> (report: YearMonth, aggregates: Aggregates) {
        var rng = SeededGenerator(state: seed)
        let report = seed % 2 == 0 ? YearMonth(year: 2024, month: 12)! : YearMonth(year: 2024, month: 6)!
        var rows: [(String, String, String, String, String)] = []
        for district in reference.districts {
            for metric in reference.metrics {
                for year in years {
                    for month in Self.months(&rng) where YearMonth(year: year, month: month)! <= report {
                        let value =
                            Int.random(in: 0..<10, using: &rng) == 0
                            ? "0"
                            : metric.integer
                                ? "\(Int.random(in: 1...5000, using: &rng))"
                                : "\(Int.random(in: 0...99999, using: &rng)).\(Int.random(in: 0...99, using: &rng))"
                        rows.append((String(format: "%d-%02d", year, month), district.code, metric.id, value, ""))
                    }
                }
            }
        }
        var h = ValidatorHarness(period: report.description)
        h.file("random.csv", rows)
        return (report, Aggregator.aggregate(h.finish()))
    }

    func decimal(_ v: AggregateValue?) -> FixedDecimal? {
        switch v {
        case .amount(let d)?, .ratio(let d)?: d
        case .count(let n)?: FixedDecimal(n)
        case nil: nil
        }
    }

    /// The calendar months of `year` in which `unit` has a `month` figure (for the city: any district).
    func monthSet(_ a: Aggregates, _ year: Int, _ unit: String, _ metric: String) -> Set<Int> {
        Set((1...12).filter { a.value(String(format: "%d-%02d", year, $0), unit, metric, .month) != nil })
    }

    @Test(arguments: seeds)
    func cityAnnualIsTheExactSumOfTheDistrictsAndSharesAddUpToOne(seed: UInt64) {
        let (report, a) = compute(seed)
        let city = reference.city.code
        for metric in reference.metrics {
            for year in years {
                let parts = reference.districts.compactMap {
                    decimal(a.value(String(year), $0.code, metric.id, .annual))
                }
                let cityAnnual = decimal(a.value(String(year), city, metric.id, .annual))
                #expect(
                    cityAnnual == (parts.isEmpty ? nil : parts.reduce(FixedDecimal.zero, +)),
                    "seed \(seed) \(year) \(metric.id)")
                // The city's months: those in which any district reported.
                let anyDistrict = reference.districts.reduce(into: Set<Int>()) {
                    $0.formUnion(monthSet(a, year, $1.code, metric.id))
                }
                #expect(monthSet(a, year, city, metric.id) == anyDistrict, "seed \(seed) \(year) \(metric.id)")
                if !anyDistrict.isEmpty {
                    #expect(
                        a.value(String(year), city, metric.id, .months) == .count(anyDistrict.count),
                        "seed \(seed) \(year)")
                }
                if metric.kind == .flow, let cityAnnual {
                    // Flows are as before: the sum of the city's months.
                    let months = (1...12).compactMap {
                        decimal(a.value(String(format: "%d-%02d", year, $0), city, metric.id, .month))
                    }
                    #expect(cityAnnual == months.reduce(FixedDecimal.zero, +), "seed \(seed) \(year)")
                }
                if metric.kind == .stock {
                    // Each district counts at its latest month of the year, carried or not.
                    for d in reference.districts {
                        let latest = monthSet(a, year, d.code, metric.id).max()
                        let expected = latest.flatMap {
                            decimal(a.value(String(format: "%d-%02d", year, $0), d.code, metric.id, .month))
                        }
                        #expect(
                            decimal(a.value(String(year), d.code, metric.id, .annual)) == expected,
                            "seed \(seed) \(year) \(d.code)")
                        let closing = year == report.year ? report.month : 12
                        let carried = a.annualCarriedFrom(year, d.code, metric.id)
                        #expect(
                            carried == latest.flatMap { $0 == closing ? nil : YearMonth(year: year, month: $0) },
                            "seed \(seed) \(year) \(d.code)")
                    }
                }
                let shares = reference.districts.compactMap {
                    decimal(a.value(String(year), $0.code, metric.id, .annualShare))
                }
                guard let cityAnnual, !cityAnnual.isZero else {
                    #expect(shares.isEmpty, "seed \(seed) \(year) \(metric.id)")
                    continue
                }
                #expect(shares.count == parts.count, "seed \(seed) \(year) \(metric.id)")
                // Each share is rounded to 6 decimals: within half a unit of the 6th decimal per district.
                let tolerance = FixedDecimal(units: FixedDecimal.unit / 2_000_000 * Int128(shares.count))
                let total = shares.reduce(FixedDecimal.zero, +)
                #expect((total - FixedDecimal(1)).magnitude <= tolerance, "seed \(seed) \(year) \(metric.id): \(total)")
            }
        }
    }

    @Test(arguments: seeds)
    func annualYoyOnlyForCompleteYearsWithTheSameMonths(seed: UInt64) {
        _ = checkAnnualYoy(seed)
    }

    /// The generator makes both outcomes common, so the property above is not vacuous.
    @Test func theSeedsCoverPresentAndAbsentAnnualYoy() {
        let outcomes = Self.seeds.map(checkAnnualYoy)
        #expect(outcomes.map(\.present).reduce(0, +) > 20)
        #expect(outcomes.map(\.absentForMonths).reduce(0, +) > 20)
    }

    /// Checks every annual_yoy of a seed; returns how many were present and how many were absent only
    /// because the two years' months differ.
    func checkAnnualYoy(_ seed: UInt64) -> (present: Int, absentForMonths: Int) {
        let (report, a) = compute(seed)
        var present = 0
        var absentForMonths = 0
        for metric in reference.metrics {
            for unit in [reference.city.code] + reference.districts.map(\.code) {
                for year in years {
                    let yoy = decimal(a.value(String(year), unit, metric.id, .annualYoy))
                    let current = decimal(a.value(String(year), unit, metric.id, .annual))
                    let previous = decimal(a.value(String(year - 1), unit, metric.id, .annual))
                    let complete = year < report.year || report.month == 12
                    let sameMonths = monthSet(a, year, unit, metric.id) == monthSet(a, year - 1, unit, metric.id)
                    guard complete, sameMonths, let current, let previous, !previous.isZero else {
                        #expect(yoy == nil, "seed \(seed) \(year) \(unit) \(metric.id)")
                        if complete, !sameMonths, current != nil, let previous, !previous.isZero {
                            absentForMonths += 1
                        }
                        continue
                    }
                    // By another route: in Double, within the 6-decimal rounding.
                    let expected = current.doubleValue / previous.doubleValue - 1
                    guard let got = yoy else {
                        Issue.record("no annual_yoy: seed \(seed) \(year) \(unit) \(metric.id)")
                        continue
                    }
                    #expect(
                        abs(got.doubleValue - expected) <= 5e-7 + 1e-9 * abs(expected), "seed \(seed) \(year) \(unit)")
                    present += 1
                }
            }
        }
        return (present, absentForMonths)
    }
}
