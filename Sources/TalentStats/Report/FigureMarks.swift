/// The marks a release puts beside its figures: revised (the value differs from what an earlier
/// release published for the same key), provisional (the value rests on data of the latest
/// months, which a later release may still revise) and suppressed (disclosure control). Computed
/// from the aggregates and what earlier releases published; `flags.csv` lists them, the workbook
/// shows them, the release store keeps them.
public struct FigureMarks: Sendable {
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        case revised, provisional, suppressed

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

        /// As shown after a figure in the workbook, and explained in 符号说明.
        public var symbol: String {
            switch self {
            case .revised: "[r]"
            case .provisional: "[p]"
            case .suppressed: "[c]"
            }
        }
    }

    /// A set of marks on one figure.
    public struct Mark: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let revised = Mark(rawValue: 1)
        public static let provisional = Mark(rawValue: 2)
        public static let suppressed = Mark(rawValue: 4)

        public init(_ kind: Kind) {
            switch kind {
            case .revised: self = .revised
            case .provisional: self = .provisional
            case .suppressed: self = .suppressed
            }
        }

        /// `[r]`, `[p]` or `[r][p]`, as the workbook shows it after a number.
        public var suffix: String {
            (contains(.revised) ? Kind.revised.symbol : "") + (contains(.provisional) ? Kind.provisional.symbol : "")
        }
    }

    /// One line of `flags.csv`.
    public struct Flag: Sendable, Equatable {
        public let key: AggregateKey
        public let kind: Kind
        /// Revised: the value the latest earlier release published, and that release.
        public let previousValue: FixedDecimal?
        public let previousRelease: Int?
    }

    /// What the earlier releases published for a key.
    public struct Published: Sendable, Equatable {
        public let value: FixedDecimal
        /// The latest release that published the key.
        public let release: Int
        /// The first release that published the key.
        public let firstRelease: Int
        /// The report period of ``release``.
        public let reportPeriod: YearMonth
    }

    /// A revised figure, for the sheet 已发布数据修订.
    public struct Revision: Sendable, Equatable {
        public let key: AggregateKey
        public let old: FixedDecimal
        public let new: FixedDecimal
        public let previous: Published
    }

    /// Every flag, in `flags.csv` order (key in byte order, then kind).
    public let flags: [Flag]
    /// Revised figures in key order.
    public let revisions: [Revision]
    /// The months whose data is provisional, latest last (empty when none).
    public let provisionalMonths: [YearMonth]
    private let index: [AggregateKey: Mark]

    public var revisedCount: Int { revisions.count }

    /// The revisions 已发布数据修订 lists: those of figures not withheld (a withheld figure's old value
    /// could be one enterprise's).
    public var shownRevisions: [Revision] { revisions.filter { !self[$0.key].contains(.suppressed) } }

    public subscript(_ key: AggregateKey) -> Mark { index[key] ?? [] }

    /// No marks (a workbook written outside a release, e.g. by a test or the fuzz target).
    public static let none = FigureMarks(flags: [], revisions: [], provisionalMonths: [], index: [:])

    init(flags: [Flag], revisions: [Revision], provisionalMonths: [YearMonth], index: [AggregateKey: Mark]) {
        self.flags = flags
        self.revisions = revisions
        self.provisionalMonths = provisionalMonths
        self.index = index
    }

    /// The marks of `aggregates`.
    /// - Parameters:
    ///   - published: for each row of `aggregates`, what the earlier releases published
    ///     (``ReleaseStore/latestPublished(for:report:)``).
    ///   - provisionalMonths: how many of the latest months (the report month and those before it)
    ///     are provisional; 0 marks none.
    ///   - suppressed: figures disclosure control withholds.
    public static func compute(
        _ aggregates: Aggregates, published: [Published?], provisionalMonths: Int,
        suppressed: Set<AggregateKey>
    ) -> FigureMarks {
        let report = aggregates.reportPeriod
        let months = (0..<max(0, provisionalMonths)).compactMap { YearMonth(ordinal: report.ordinal - $0) }.reversed()
        let provisional = Set(months.map(\.ordinal))
        var flags: [Flag] = []
        var revisions: [Revision] = []
        var index: [AggregateKey: Mark] = [:]
        for (i, row) in aggregates.rows.enumerated() {
            let key = row.key
            var mark: Mark = []
            let value = row.value.exact
            if let before = published[i], before.value != value,
                sameExtent(key, before.reportPeriod, report)
            {
                mark.insert(.revised)
                flags.append(
                    Flag(
                        key: key, kind: .revised,
                        // A withheld figure's earlier value is withheld too (flags.csv is published).
                        previousValue: suppressed.contains(key) ? nil : before.value, previousRelease: before.release))
                revisions.append(Revision(key: key, old: before.value, new: value, previous: before))
            }
            if !provisional.isEmpty, usesMonths(key, aggregates: aggregates).contains(where: provisional.contains) {
                mark.insert(.provisional)
                flags.append(Flag(key: key, kind: .provisional, previousValue: nil, previousRelease: nil))
            }
            if suppressed.contains(key) {
                mark.insert(.suppressed)
                flags.append(Flag(key: key, kind: .suppressed, previousValue: nil, previousRelease: nil))
            }
            if !mark.isEmpty { index[key] = mark }
        }
        // aggregates.rows are in key byte order; within a key, flags were appended in kind order.
        return FigureMarks(flags: flags, revisions: revisions, provisionalMonths: Array(months), index: index)
    }

    /// Whether a figure published in a release of `earlier` is the same figure in a release of `now`:
    /// always for a month's figures; for a year's figures, when both releases cover the same months
    /// of that year (the annual figure of a year in progress grows with each month, which is not a
    /// revision).
    static func sameExtent(_ key: AggregateKey, _ earlier: YearMonth, _ now: YearMonth) -> Bool {
        guard key.measure.isAnnual, let year = Int(key.period) else { return true }
        return extent(of: year, in: earlier) == extent(of: year, in: now)
    }

    /// How many months of `year` a release of `report` covers: 12 for a year before the report's,
    /// the report month for the report's year, 0 for a later year.
    public static func extent(of year: Int, in report: YearMonth) -> Int {
        report.year > year ? 12 : report.year == year ? report.month : 0
    }

    /// The month ordinals whose data a figure's value rests on: its own month (and, for a flow's
    /// cumulative figures, January to it), the month before for 环比, the same months a year earlier
    /// for 同比; for an annual figure, the months of its year (and the year before for 年度同比).
    static func usesMonths(_ key: AggregateKey, aggregates: Aggregates) -> [Int] {
        if key.measure.isAnnual {
            guard let year = Int(key.period) else { return [] }
            let years = key.measure == .annualYoy || key.measure == .annualYoyComparable ? [year - 1, year] : [year]
            return years.flatMap { y in (1...12).compactMap { YearMonth(year: y, month: $0)?.ordinal } }
        }
        guard let month = YearMonth(parsing: key.period) else { return [] }
        let january = month.ordinal - (month.month - 1)
        let thisYear = Array(january...month.ordinal)
        let lastYear = thisYear.map { $0 - 12 }
        switch key.measure {
        case .month: return [month.ordinal]
        case .mom: return [month.ordinal - 1, month.ordinal]
        case .ytdPrev: return lastYear
        case .yoy, .yoyComparable: return lastYear + thisYear
        default: return thisYear  // ytd, share, rank
        }
    }
}

extension AggregateValue {
    /// The exact value, as `aggregates.csv` and the release store hold it.
    public var exact: FixedDecimal {
        switch self {
        case .amount(let d), .ratio(let d): d
        case .count(let n): FixedDecimal(n)
        }
    }
}
