import Foundation

/// The only stage that changes grain: accepted observations → month × district × metric sums →
/// every measure of the report.
///
/// Semantics (README, "Aggregation semantics"): a flow's ytd sums the months with data from January;
/// a stock's ytd is its month. The city's month is the sum of the districts that reported that month;
/// the city's annual figure is the sum of the districts' annual figures (a stock's district figure is
/// its latest month of the year). Annual 同比 needs a complete year and the same months of data in
/// both years.
/// Ratios are exact quotients rounded half away from zero to six decimals; a ratio whose inputs are
/// missing or whose denominator is 0 is absent, never 0.
public enum Aggregator {
    /// - Parameter concurrently: whether the comparable basis is computed on a thread of its own,
    ///   beside the monthly sums (by default on a machine with more than one core); the figures are
    ///   the same either way.
    public static func aggregate(
        _ data: ValidatedData, concurrently: Bool = ProcessInfo.processInfo.activeProcessorCount > 1
    ) -> Aggregates {
        let reference = data.reference
        let report = data.reportPeriod
        guard let first = data.accepted.months.first else {
            return Aggregates(rows: [], firstMonth: nil, reportPeriod: report, outOfRange: [])
        }
        // The comparable basis (two passes over every key) and the monthly sums (one) only read
        // the accepted observations: they are computed at once, on two threads.
        let accepted = data.accepted
        let districts = reference.districts.count
        let kinds = reference.metrics.map(\.kind)
        let basis = BackgroundTask(concurrently: concurrently) {
            ComparableBasis(accepted, first: first, report: report, districts: districts, kinds: kinds)
        }
        let monthly = data.sums
        let monthCount = report.ordinal - first.ordinal + 1

        // Monthly sums over entities: [metric][district][month offset].
        let sums: [[[FixedDecimal?]]] = (0..<reference.metrics.count).map { m in
            (0..<districts).map { d in
                (0..<monthCount).map { i in
                    monthly.value(month: YearMonth(ordinal: first.ordinal + i)!, district: d, metric: m)
                }
            }
        }

        var rows: [AggregateRow] = []
        func emit(_ period: String, _ code: String, _ metric: String, _ measure: Measure, _ value: AggregateValue?) {
            if let value {
                rows.append(
                    AggregateRow(
                        key: AggregateKey(period: period, districtCode: code, metric: metric, measure: measure),
                        value: value))
            }
        }
        // Ratios too large for FixedDecimal are not published; the pipeline refuses the run.
        var outOfRange: [AggregateKey] = []
        func emitRatio(
            _ period: String, _ code: String, _ metric: String, _ measure: Measure, _ ratio: FixedDecimal.Quotient?
        ) {
            switch ratio {
            case .value(let v)?: emit(period, code, metric, measure, AggregateValue.ratio(v))
            case .outOfRange?:
                outOfRange.append(AggregateKey(period: period, districtCode: code, metric: metric, measure: measure))
            case .undefined?, nil: break
            }
        }
        let months = (0..<monthCount).map { YearMonth(ordinal: first.ordinal + $0)! }
        let years = Array(first.year...report.year)
        let (enterprises, basisElsewhere) = basis.outcome()

        for (m, metric) in reference.metrics.enumerated() {
            let districtSeries = sums[m].map { Series(values: $0, first: first, kind: metric.kind, report: report) }
            let cityValues: [FixedDecimal?] = (0..<monthCount).map { i in
                var total: FixedDecimal?
                for series in sums[m] {
                    if let v = series[i] { total = (total ?? .zero) + v }
                }
                return total
            }
            let citySeries = Series(values: cityValues, first: first, kind: metric.kind, report: report)

            // Monthly measures.
            for (i, month) in months.enumerated() {
                let period = month.description
                let cityYTD = citySeries.ytd(i)
                let ranks = competitionRanks(districtSeries.map { $0.ytd(i) })
                for (unit, series) in [(reference.city.code, citySeries)]
                    + zip(reference.districts.map(\.code), districtSeries).map({ ($0, $1) })
                {
                    let ytd = series.ytd(i)
                    let ytdPrev = series.ytd(i - 12)
                    emit(period, unit, metric.id, .month, series.values[i].map(AggregateValue.amount))
                    emit(period, unit, metric.id, .ytd, ytd.map(AggregateValue.amount))
                    emit(period, unit, metric.id, .ytdPrev, ytdPrev.map(AggregateValue.amount))
                    emitRatio(period, unit, metric.id, .yoy, growth(ytd, ytdPrev))
                    emitRatio(
                        period, unit, metric.id, .mom, growth(series.values[i], i > 0 ? series.values[i - 1] : nil))
                }
                for (d, series) in districtSeries.enumerated() {
                    let code = reference.districts[d].code
                    emitRatio(period, code, metric.id, .share, share(series.ytd(i), cityYTD))
                    emit(period, code, metric.id, .rank, ranks[d].map(AggregateValue.count))
                }
                // 可比同比: the city over the districts that reported in the same months of both
                // periods' windows; a district over its enterprises that did (``ComparableBasis``).
                let both = districtSeries.compactMap { s -> (FixedDecimal, FixedDecimal)? in
                    guard s.window(i) == s.window(i - 12), let now = s.ytd(i), let then = s.ytd(i - 12) else {
                        return nil
                    }
                    return (now, then)
                }
                if !both.isEmpty {
                    emitRatio(
                        period, reference.city.code, metric.id, .yoyComparable,
                        growth(both.reduce(.zero) { $0 + $1.0 }, both.reduce(.zero) { $0 + $1.1 }))
                }
                for d in 0..<districts {
                    if let f = enterprises.figure(district: d, metric: m, offset: i) {
                        emitRatio(
                            period, reference.districts[d].code, metric.id, .yoyComparable,
                            growth(f.current, f.previous))
                    }
                }
            }

            // Annual measures. The city's annual figure is the sum of the districts' annual figures:
            // for a flow that is the sum of its months; for a stock each district counts at its latest
            // month of the year, so one that missed December is carried from its latest month and the
            // shares add up to 1. The city's months are those in which any district reported.
            func cityAnnual(_ year: Int) -> Annual? {
                let parts = districtSeries.compactMap { $0.annual(year) }
                guard let months = citySeries.annual(year) else { return nil }
                let value = parts.reduce(FixedDecimal.zero) { $0 + $1.value }
                return Annual(value: value, months: months.months, monthSet: months.monthSet)
            }
            for year in years {
                let period = String(year)
                let complete = year < report.year || report.month == 12
                let city = cityAnnual(year)
                let districtAnnuals = districtSeries.map { $0.annual(year) }
                let ranks = competitionRanks(districtAnnuals.map { $0?.value })
                var units: [(code: String, annual: Annual?, previous: Annual?)] = [
                    (reference.city.code, city, cityAnnual(year - 1))
                ]
                for (d, series) in districtSeries.enumerated() {
                    units.append((reference.districts[d].code, districtAnnuals[d], series.annual(year - 1)))
                }
                for (unit, annual, previous) in units {
                    guard let annual else { continue }
                    emit(period, unit, metric.id, .annual, .amount(annual.value))
                    emit(period, unit, metric.id, .months, .count(annual.months))
                    // Like with like: a complete year, compared with a year that has data for the same months.
                    if complete, let previous, previous.monthSet == annual.monthSet {
                        emitRatio(period, unit, metric.id, .annualYoy, growth(annual.value, previous.value))
                    }
                }
                for (d, annual) in districtAnnuals.enumerated() {
                    let code = reference.districts[d].code
                    emitRatio(period, code, metric.id, .annualShare, share(annual?.value, city?.value))
                    emit(period, code, metric.id, .annualRank, ranks[d].map(AggregateValue.count))
                }
                // 年度可比同比, for complete years: the city over the districts whose years have data for
                // the same months; a district (whose two years do) over its enterprises comparable in
                // the window of its annual figure (the whole year for a flow, its closing month for a stock).
                guard complete else { continue }
                var comparable: (now: FixedDecimal, then: FixedDecimal, units: Int) = (.zero, .zero, 0)
                for (d, series) in districtSeries.enumerated() {
                    guard let now = districtAnnuals[d], let then = series.annual(year - 1),
                        now.monthSet == then.monthSet
                    else { continue }
                    comparable = (comparable.now + now.value, comparable.then + then.value, comparable.units + 1)
                    let closing = metric.kind == .stock ? (now.lastMonth ?? 12) : 12
                    if let offset = YearMonth(year: year, month: closing).map({ $0.ordinal - first.ordinal }),
                        let f = enterprises.figure(district: d, metric: m, offset: offset)
                    {
                        emitRatio(
                            period, reference.districts[d].code, metric.id, .annualYoyComparable,
                            growth(f.current, f.previous))
                    }
                }
                if comparable.units > 0 {
                    emitRatio(
                        period, reference.city.code, metric.id, .annualYoyComparable,
                        growth(comparable.now, comparable.then))
                }
            }
        }
        var aggregates = Aggregates(rows: rows, firstMonth: first, reportPeriod: report, outOfRange: outOfRange)
        aggregates.basisComputedBeside = basisElsewhere
        return aggregates
    }

    /// `current / previous − 1`, absent when either is missing or `previous` is 0.
    static func growth(_ current: FixedDecimal?, _ previous: FixedDecimal?) -> FixedDecimal.Quotient? {
        guard let current, let previous else { return nil }
        return FixedDecimal.quotient(current, previous, minus: 1)
    }

    static func share(_ part: FixedDecimal?, _ whole: FixedDecimal?) -> FixedDecimal.Quotient? {
        guard let part, let whole else { return nil }
        return FixedDecimal.quotient(part, whole)
    }

    /// Competition ranking ("1224"), largest first, on exact values; `nil` values are not ranked.
    public static func competitionRanks(_ values: [FixedDecimal?]) -> [Int?] {
        let present = values.compactMap { $0 }
        return values.map { value in
            guard let value else { return nil }
            return present.filter { $0 > value }.count + 1
        }
    }
}

/// One district's (or the city's) monthly values of one metric, from the first month with data.
struct Series {
    let values: [FixedDecimal?]
    let first: YearMonth
    let kind: MetricKind
    let report: YearMonth

    /// Year-to-date at month offset `i`: flow, the sum of the months with data from January of that
    /// year; stock, the month itself.
    func ytd(_ i: Int) -> FixedDecimal? {
        guard i >= 0, i < values.count else { return nil }
        switch kind {
        case .stock:
            return values[i]
        case .flow:
            let month = YearMonth(ordinal: first.ordinal + i)!
            let january = max(0, i - (month.month - 1))
            return values[january...i].reduce(nil as FixedDecimal?) { acc, v in v.map { (acc ?? .zero) + $0 } ?? acc }
        }
    }

    /// The months with data in the window of ``ytd(_:)`` at offset `i` (a flow: January to the
    /// month; a stock: the month), as a bit mask of calendar months; 0 when none or out of range.
    func window(_ i: Int) -> UInt16 {
        guard i >= 0, i < values.count else { return 0 }
        let month = YearMonth(ordinal: first.ordinal + i)!
        let january = kind == .stock ? i : max(0, i - (month.month - 1))
        var mask: UInt16 = 0
        for j in january...i where values[j] != nil {
            mask |= 1 << UInt16(YearMonth(ordinal: first.ordinal + j)!.month - 1)
        }
        return mask
    }

    /// The year's figure (flow: sum of its months with data; stock: its latest month with data),
    /// the number of months with data and which they are; `nil` when the year has none.
    func annual(_ year: Int) -> Annual? {
        let start = max(0, YearMonth(year: year, month: 1).map { $0.ordinal - first.ordinal } ?? 0)
        let end = min(values.count - 1, (YearMonth(year: year, month: 12)?.ordinal ?? 0) - first.ordinal)
        guard start <= end else { return nil }
        var monthSet = MonthSet()
        var total = FixedDecimal.zero
        var last: FixedDecimal?
        for i in start...end {
            guard let v = values[i] else { continue }
            monthSet.insert(YearMonth(ordinal: first.ordinal + i)!.month)
            total = total + v
            last = v
        }
        guard let last else { return nil }
        switch kind {
        case .stock: return Annual(value: last, months: monthSet.count, monthSet: monthSet)
        case .flow: return Annual(value: total, months: monthSet.count, monthSet: monthSet)
        }
    }
}

/// A year's figure of one district (or the city) and the months of that year it rests on.
struct Annual {
    let value: FixedDecimal
    /// Months with data (for the city: months in which any district reported).
    let months: Int
    /// Which months those are: annual 同比 compares two years only when these are equal.
    let monthSet: MonthSet
    var lastMonth: Int? { monthSet.last }
}

/// A set of calendar months (1…12) as a bit mask.
struct MonthSet: Equatable {
    private var bits: UInt16 = 0
    mutating func insert(_ month: Int) { bits |= 1 << UInt16(month - 1) }
    var count: Int { bits.nonzeroBitCount }
    /// The latest month in the set.
    var last: Int? { bits == 0 ? nil : 16 - bits.leadingZeroBitCount }
}
