/// The figures of `aggregates.csv`, by name.
public enum Measure: String, Sendable, CaseIterable, Codable {
    case month, ytd
    case ytdPrev = "ytd_prev"
    case yoy, mom, share, rank
    /// 同比 on a comparable basis: the city's over the districts that reported in both periods;
    /// a district's over the enterprises that reported in the same months of both (``ComparableBasis``).
    case yoyComparable = "yoy_comparable"
    case annual, months
    case annualShare = "annual_share"
    case annualRank = "annual_rank"
    case annualYoy = "annual_yoy"
    case annualYoyComparable = "annual_yoy_comparable"

    /// Ratios (rounded to six decimals), as opposed to amounts and counts.
    public var isRatio: Bool {
        switch self {
        case .yoy, .mom, .share, .yoyComparable, .annualShare, .annualYoy, .annualYoyComparable: true
        default: false
        }
    }

    /// Monthly measures have a `YYYY-MM` period, annual ones a `YYYY` period.
    public var isAnnual: Bool {
        switch self {
        case .annual, .months, .annualShare, .annualRank, .annualYoy, .annualYoyComparable: true
        default: false
        }
    }
}

/// A figure: an exact amount, a ratio rounded to six decimals, or a whole count (rank, months).
public enum AggregateValue: Sendable, Equatable {
    case amount(FixedDecimal)
    case ratio(FixedDecimal)
    case count(Int)

    /// As written in `aggregates.csv`: plain decimal, no exponent, no separators, no trailing zeros.
    public var text: String {
        switch self {
        case .amount(let d), .ratio(let d): d.description
        case .count(let n): String(n)
        }
    }

    /// For spreadsheet cells.
    public var doubleValue: Double {
        switch self {
        case .amount(let d), .ratio(let d): d.doubleValue
        case .count(let n): Double(n)
        }
    }
}

/// The key of a figure: period (`YYYY-MM` or `YYYY`), district code (the city's for city rows),
/// metric id, measure.
public struct AggregateKey: Hashable, Sendable {
    public let period: String
    public let districtCode: String
    public let metric: String
    public let measure: Measure

    public init(period: String, districtCode: String, metric: String, measure: Measure) {
        self.period = period
        self.districtCode = districtCode
        self.metric = metric
        self.measure = measure
    }

    /// Plain byte order of period, district_code, metric, measure (so `2024` sorts before `2024-01`).
    /// (Field by field, without building anything: sorting the figures of a 36-month run makes
    /// about 700,000 comparisons.)
    public static func byteOrder(_ a: Self, _ b: Self) -> Bool {
        if a.period != b.period { return a.period.utf8.lexicographicallyPrecedes(b.period.utf8) }
        if a.districtCode != b.districtCode {
            return a.districtCode.utf8.lexicographicallyPrecedes(b.districtCode.utf8)
        }
        if a.metric != b.metric { return a.metric.utf8.lexicographicallyPrecedes(b.metric.utf8) }
        if a.measure != b.measure { return a.measure.rawValue.utf8.lexicographicallyPrecedes(b.measure.rawValue.utf8) }
        return false
    }
}

public struct AggregateRow: Sendable, Equatable {
    public let key: AggregateKey
    public let value: AggregateValue
}

/// Every figure of the report, sorted as `aggregates.csv` is, with lookup by key.
public struct Aggregates: Sendable {
    public let rows: [AggregateRow]
    /// Key → its place in ``rows``.
    private let index: [AggregateKey: Int]
    /// The first month with data (where the monthly rows start).
    public let firstMonth: YearMonth?
    public let reportPeriod: YearMonth
    /// Ratios whose exact value is beyond what ``FixedDecimal`` holds (a growth over 10²⁹); they are
    /// not in ``rows``, and the pipeline refuses to publish when there are any.
    public let outOfRange: [AggregateKey]
    /// Whether the comparable basis was computed on a thread of its own beside the monthly sums
    /// (``Aggregator/aggregate(_:concurrently:)``; for the tests that prove the concurrent path ran).
    var basisComputedBeside = false

    init(rows: [AggregateRow], firstMonth: YearMonth?, reportPeriod: YearMonth, outOfRange: [AggregateKey] = []) {
        self.outOfRange = outOfRange
        self.rows = Self.sortedByKey(rows)
        var index: [AggregateKey: Int] = [:]
        index.reserveCapacity(self.rows.count)
        for (i, row) in self.rows.enumerated() { index[row.key] = i }
        self.index = index
        self.firstMonth = firstMonth
        self.reportPeriod = reportPeriod
    }

    /// `rows` in ``AggregateKey/byteOrder(_:_:)`` (equal keys in their given order), sorted on one
    /// integer a row: each field's distinct values are few (periods, district codes, metrics,
    /// measures), so each is ranked once in byte order and the four ranks are packed into a word,
    /// instead of comparing strings some 900,000 times for a 36-month report.
    static func sortedByKey(_ rows: [AggregateRow]) -> [AggregateRow] {
        func ranks(_ values: some Sequence<String>) -> [String: UInt64] {
            let distinct = Set(values).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, UInt64($0)) })
        }
        let periods = ranks(rows.lazy.map(\.key.period))
        let districts = ranks(rows.lazy.map(\.key.districtCode))
        let metrics = ranks(rows.lazy.map(\.key.metric))
        let measures = ranks(Measure.allCases.map(\.rawValue))
        // 16 bits a field hold far more distinct values than a report has (months, districts,
        // metrics and 13 measures); the general sort below covers any that does not fit.
        guard periods.count < 1 << 16, districts.count < 1 << 16, metrics.count < 1 << 16 else {
            return rows.sorted { AggregateKey.byteOrder($0.key, $1.key) }
        }
        var order: [(key: UInt64, place: Int)] = []
        order.reserveCapacity(rows.count)
        for (place, row) in rows.enumerated() {
            let k = row.key
            let key =
                periods[k.period]! << 48 | districts[k.districtCode]! << 32 | metrics[k.metric]! << 16
                | measures[k.measure.rawValue]!
            order.append((key, place))
        }
        order.sort { $0.key != $1.key ? $0.key < $1.key : $0.place < $1.place }
        return order.map { rows[$0.place] }
    }

    public subscript(_ key: AggregateKey) -> AggregateValue? { index[key].map { rows[$0].value } }

    /// The place of `key`'s figure in ``rows``.
    public func position(of key: AggregateKey) -> Int? { index[key] }

    public func value(_ period: String, _ districtCode: String, _ metric: String, _ measure: Measure) -> AggregateValue?
    {
        self[AggregateKey(period: period, districtCode: districtCode, metric: metric, measure: measure)]
    }
}

// MARK: - Where an annual stock comes from

extension Aggregates {
    /// The last month of `year` within the report: December, or the report month in the report year.
    public func closingMonth(of year: Int) -> YearMonth? {
        year == reportPeriod.year ? reportPeriod : YearMonth(year: year, month: 12)
    }

    /// For a stock, the month a district's annual figure was taken from when that is earlier than the
    /// year's ``closingMonth(of:)`` (a district that missed December is carried from its latest
    /// month); `nil` when the figure is the closing month's or the district has no data that year.
    public func annualCarriedFrom(_ year: Int, _ districtCode: String, _ metric: String) -> YearMonth? {
        guard let closing = closingMonth(of: year), closing <= reportPeriod else { return nil }
        for month in stride(from: closing.month, through: 1, by: -1) {
            let ym = YearMonth(year: year, month: month)!
            if value(ym.description, districtCode, metric, .month) != nil {
                return month == closing.month ? nil : ym
            }
        }
        return nil
    }
}
