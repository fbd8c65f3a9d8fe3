/// Exact sums per month × district × metric of the accepted observations (over entities): the
/// first change of grain, from keys to cells.
public struct MonthlySums: Sendable {
    let districts: Int
    let metrics: Int
    /// Month ordinal → per cell (district × metrics + metric): the sum, or `nil` when no accepted
    /// observation is in it.
    private let months: [Int: [FixedDecimal?]]

    public init(_ accepted: AcceptedObservations, districts: Int, metrics: Int) {
        self.districts = districts
        self.metrics = metrics
        var months: [Int: [FixedDecimal?]] = [:]
        for month in accepted.months {
            var units = [Int128](repeating: 0, count: districts * metrics)
            var seen = [Bool](repeating: false, count: districts * metrics)
            accepted.forEachValue(in: month) { district, metric, value in
                let cell = district * metrics + metric
                units[cell] += value.units
                seen[cell] = true
            }
            months[month.ordinal] = (0..<units.count).map { seen[$0] ? FixedDecimal(units: units[$0]) : nil }
        }
        self.months = months
    }

    /// The sum for a cell, or `nil` when no accepted observation is in it.
    public func value(month: YearMonth, district: Int, metric: Int) -> FixedDecimal? {
        months[month.ordinal]?[district * metrics + metric] ?? nil
    }

    /// Months with at least one accepted observation.
    public var monthsWithData: [YearMonth] { months.keys.sorted().compactMap(YearMonth.init(ordinal:)) }
}

extension ValidatedData {
    /// The monthly sums of the accepted observations.
    public var sums: MonthlySums {
        MonthlySums(accepted, districts: reference.districts.count, metrics: reference.metrics.count)
    }
}
