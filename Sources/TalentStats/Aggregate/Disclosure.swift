/// Statistical disclosure control (统计法 第二十五条) for district figures computed from enterprise
/// rows: a figure that would reveal one enterprise's data is suppressed in the workbook.
///
/// **Primary rule** (``DisclosurePolicy``): a district figure computed wholly from enterprise rows
/// fails when fewer than `minimumEnterprises` enterprises contribute to it, or when the largest
/// `dominanceN` contribute more than `dominanceK` percent of it. It is checked, for the report
/// month, on the row the metric sheet shows (当月, 累计 and 同期, each from its enterprises' values
/// in its window) and, for every year, on the annual figure.
///
/// **What is withheld**: a failing row is suppressed whole (every measure of that district, metric
/// and period: amounts and the ratios and ranks computed from them), so nothing in its row derives
/// it; 环比 of the report month is withheld when the month before fails (环比 and 当月 would give
/// it), 年度同比 of the year after a failing year likewise.
///
/// **Secondary suppression**: in each column that adds up to the city total (当月, 累计, 同期 of the
/// report month; each year's annual figure), a suppressed district with a value must not be the
/// only one: another district with a value there (the smallest) is suppressed whole as well, until
/// every such column has none or at least two; when no other district has a value, the city's
/// figures of that period are withheld instead. So no suppressed value equals the city total less
/// the published districts.
///
/// `aggregates.csv` keeps the true values (it is internal); the marks say which are suppressed.
public struct DisclosurePolicy: Sendable, Equatable {
    public var minimumEnterprises: Int
    public var dominanceN: Int
    /// Percent, 0–100.
    public var dominanceK: FixedDecimal

    public init(minimumEnterprises: Int = 3, dominanceN: Int = 1, dominanceK: FixedDecimal = FixedDecimal(50)) {
        self.minimumEnterprises = minimumEnterprises
        self.dominanceN = dominanceN
        self.dominanceK = dominanceK
    }

    /// Whether a figure made of these enterprise contributions (each ≥ 0) may be published.
    func passes(_ contributions: [FixedDecimal]) -> Bool {
        let total = contributions.reduce(.zero, +)
        if contributions.count < minimumEnterprises { return false }
        let top = contributions.sorted(by: >).prefix(dominanceN).reduce(.zero, +)
        // top > k% of total  ⇔  100 · top > k · total, exact and without overflow (k ≤ 100).
        let unit = FixedDecimal.unit
        let kTotal = total.units / unit * dominanceK.units + total.units % unit * dominanceK.units / unit
        return !(top.units * 100 > kTotal)
    }
}

/// A district figure of the report month that one enterprise dominates (the 数据质量 warning).
public struct DominatedFigure: Sendable, Equatable {
    public let district: Int
    public let metric: Int
    public let enterprises: Int
    /// The largest enterprise's part of the figure (0–1, six decimals).
    public let largestShare: FixedDecimal
}

/// What disclosure control withholds, and which report-month figures one enterprise dominates.
public struct Disclosure: Sendable {
    public let suppressed: Set<AggregateKey>
    /// Report-month district figures (当月) made of enterprises where the largest gives more than half.
    public let dominated: [DominatedFigure]

    public static let none = Disclosure(suppressed: [], dominated: [])

    /// What ``apply(_:data:aggregates:cells:)`` reads: with a policy, each month's enterprise values
    /// per cell (district × metrics + metric) and whether it has a total row; policy or not, the
    /// report month's count, sum and largest value per cell (the warning). It depends on the
    /// accepted observations only, so it can be built beside the aggregation.
    public struct Cells: Sendable {
        let byMonth: [Int: MonthCells]
        let report: [CellSummary]

        public init(_ policy: DisclosurePolicy?, data: ValidatedData) {
            let reportPeriod = data.reportPeriod
            let metrics = data.reference.metrics.count
            let cells = data.reference.districts.count * metrics
            var byMonth: [Int: MonthCells] = [:]
            if policy != nil, let first = data.accepted.months.first {
                for ordinal in first.ordinal...reportPeriod.ordinal {
                    guard let month = YearMonth(ordinal: ordinal) else { continue }
                    byMonth[ordinal] = MonthCells(data.accepted, month: month, cells: cells, metrics: metrics)
                }
            }
            self.byMonth = byMonth
            var report = [CellSummary](repeating: CellSummary(), count: cells)
            data.accepted.forEachKey(in: reportPeriod) { _, district, metric, entity, value in
                report[district * metrics + metric].add(value, entity: entity)
            }
            self.report = report
        }
    }

    /// One cell of a month, summed in one pass: whether a district total is in it, and its
    /// enterprises' count, sum and largest value (a key is unique within a month: one value per
    /// enterprise).
    struct CellSummary: Sendable {
        var hasTotal = false
        var enterprises = 0
        var total = FixedDecimal.zero
        var largest = FixedDecimal.zero

        mutating func add(_ value: FixedDecimal, entity: Int) {
            if entity == 0 {
                hasTotal = true
                return
            }
            largest = enterprises == 0 ? value : max(largest, value)
            enterprises += 1
            total += value
        }
    }

    /// Applies `policy` (nil: off, only the dominance warning) to the district figures of `aggregates`;
    /// `cells` are the enterprise values for the same policy and data (built here when `nil`).
    public static func apply(
        _ policy: DisclosurePolicy?, data: ValidatedData, aggregates: Aggregates, cells prepared: Cells? = nil
    ) -> Disclosure {
        let reference = data.reference
        let report = data.reportPeriod
        let metrics = reference.metrics.count
        guard let first = aggregates.firstMonth else { return .none }
        let months = (first.ordinal...report.ordinal).compactMap(YearMonth.init(ordinal:))
        let prepared = prepared ?? Cells(policy, data: data)
        let byMonth = prepared.byMonth
        /// Per-enterprise contributions of a cell over `window` months, or nil when a total row is
        /// in it or no enterprise.
        func contributions(_ cell: Int, _ window: [YearMonth]) -> [FixedDecimal]? {
            let present = window.compactMap { byMonth[$0.ordinal] }
            if present.contains(where: { $0.hasTotal[cell] }) { return nil }
            let parts: [FixedDecimal]
            if present.count == 1 {
                // A key is unique within a month: one value per enterprise.
                parts = Array(present[0].values(of: cell))
            } else {
                // An enterprise's values over the window, summed: sorted by enterprise, runs added.
                var pairs: [(entity: Int, value: FixedDecimal)] = []
                for m in present { pairs += m.pairs(of: cell) }
                pairs.sort { $0.entity < $1.entity }
                var sums: [FixedDecimal] = []
                var last = -1
                for (entity, value) in pairs {
                    if entity == last { sums[sums.count - 1] += value } else { sums.append(value) }
                    last = entity
                }
                parts = sums
            }
            return parts.isEmpty ? nil : parts
        }

        // The warning, policy or not: 当月 of the report month (no total row in it), the largest
        // enterprise above half.
        var dominated: [DominatedFigure] = []
        for d in reference.districts.indices {
            for m in 0..<metrics {
                let cell = prepared.report[d * metrics + m]
                guard !cell.hasTotal, cell.enterprises > 0, cell.total > .zero,
                    cell.largest.units * 2 > cell.total.units,
                    case .value(let share) = FixedDecimal.quotient(cell.largest, cell.total)
                else { continue }
                dominated.append(
                    DominatedFigure(district: d, metric: m, enterprises: cell.enterprises, largestShare: share))
            }
        }
        guard let policy else { return Disclosure(suppressed: [], dominated: dominated) }

        func window(_ month: YearMonth, _ kind: MetricKind) -> [YearMonth] {
            guard kind == .flow else { return [month] }
            return (1...month.month).compactMap { YearMonth(year: month.year, month: $0) }.filter { $0 >= first }
        }
        var suppressed: Set<AggregateKey> = []
        let monthlyMeasures: [Measure] = [.month, .ytd, .ytdPrev, .yoy, .mom, .share, .rank, .yoyComparable]
        let annualMeasures: [Measure] = [.annual, .annualShare, .annualRank, .annualYoy, .annualYoyComparable]
        for (m, metric) in reference.metrics.enumerated() {
            let codes = reference.districts.map(\.code)
            // The rows withheld in a month's release, whichever release reports it: the primary rule
            // on its row (当月 and 累计, each in its window); for a flow, every row withheld in an
            // earlier month of the year (its 累计 less this month's would give the 累计 withheld
            // then); then secondary suppression over 当月, 累计, 同期. Memoized by month.
            var memo: [Int: (rows: Set<Int>, city: Bool)] = [:]
            func withheld(_ month: YearMonth) -> (rows: Set<Int>, city: Bool) {
                if let known = memo[month.ordinal] { return known }
                let period = month.description
                // (同期 is the 累计 of a year before: the rows withheld then are withheld in its column
                // below, not whole here.)
                func fails(_ d: Int) -> Bool {
                    let cell = d * metrics + m
                    return [[month], window(month, metric.kind)].contains { w in
                        contributions(cell, w).map { !policy.passes($0) } ?? false
                    }
                }
                var rows = Set(reference.districts.indices.filter(fails))
                if metric.kind == .flow, month.month > 1, let before = month.previous, before >= first {
                    rows.formUnion(withheld(before).rows)
                }
                func has(_ d: Int, _ measure: Measure) -> Bool {
                    aggregates.value(period, codes[d], metric.id, measure) != nil
                }
                var city = false
                secondary(
                    &rows, columns: [.month, .ytd, .ytdPrev], has: has,
                    size: { d in aggregates.value(period, codes[d], metric.id, .ytd)?.exact ?? .zero },
                    districts: reference.districts.count, cityWithheld: &city)
                memo[month.ordinal] = (rows, city)
                return (rows, city)
            }
            let period = report.description
            func withhold(_ district: String, _ measures: [Measure]) {
                for measure in measures {
                    suppressed.insert(
                        AggregateKey(period: period, districtCode: district, metric: metric.id, measure: measure))
                }
            }
            let (rows, cityWithheld) = withheld(report)
            for d in rows { withhold(codes[d], monthlyMeasures) }
            if cityWithheld { withhold(reference.city.code, monthlyMeasures) }
            // 环比 gives the month before from this month's figure: withheld for every row withheld
            // in that month's release (primary or secondary).
            if let before = report.previous, before >= first {
                for d in withheld(before).rows { withhold(codes[d], [.mom]) }
            }
            // 同期 and 同比 give the month a year before: withheld for every row withheld then. That
            // release's secondary suppression left at least two of them in its 累计 column, so the
            // 同期 column, holding all of them, gives none back.
            if let yearBefore = YearMonth(ordinal: report.ordinal - 12), yearBefore >= first {
                let then = withheld(yearBefore)
                for d in then.rows { withhold(codes[d], [.ytdPrev, .yoy, .yoyComparable]) }
                if then.city { withhold(reference.city.code, [.ytdPrev, .yoy, .yoyComparable]) }
            }
            // A rank among the shown districts would tell where a withheld one stands: with any
            // district withheld, no district's rank of the month is shown.
            if !rows.isEmpty {
                for d in reference.districts.indices { withhold(codes[d], [.rank]) }
            }
            // Each year's annual figure (a flow: its months; a stock: its latest month with data).
            for year in first.year...report.year {
                let yearText = String(year)
                let yearMonths = months.filter { $0.year == year }
                func annualFails(_ d: Int) -> Bool {
                    let cell = d * metrics + m
                    let window: [YearMonth]
                    if metric.kind == .flow {
                        window = yearMonths
                    } else {
                        guard
                            let last = yearMonths.last(where: {
                                aggregates.value($0.description, codes[d], metric.id, .month) != nil
                            })
                        else { return false }
                        window = [last]
                    }
                    return contributions(cell, window).map { !policy.passes($0) } ?? false
                }
                var annualRows = Set(reference.districts.indices.filter(annualFails))
                // The year's figure is its closing month's 累计 (a flow) or value (a stock): every row
                // withheld in that month's release is withheld in the year's too.
                if let closing = aggregates.closingMonth(of: year), closing >= first, closing <= report {
                    annualRows.formUnion(withheld(closing).rows)
                }
                var cityAnnual = false
                secondary(
                    &annualRows, columns: [.annual],
                    has: { d, _ in aggregates.value(yearText, codes[d], metric.id, .annual) != nil },
                    size: { d in aggregates.value(yearText, codes[d], metric.id, .annual)?.exact ?? .zero },
                    districts: reference.districts.count, cityWithheld: &cityAnnual)
                for d in annualRows {
                    for measure in annualMeasures {
                        suppressed.insert(
                            AggregateKey(period: yearText, districtCode: codes[d], metric: metric.id, measure: measure))
                    }
                    for measure in [Measure.annualYoy, .annualYoyComparable] {
                        suppressed.insert(
                            AggregateKey(
                                period: String(year + 1), districtCode: codes[d], metric: metric.id, measure: measure))
                    }
                }
                if !annualRows.isEmpty {
                    for d in reference.districts.indices {
                        suppressed.insert(
                            AggregateKey(
                                period: yearText, districtCode: codes[d], metric: metric.id, measure: .annualRank))
                    }
                }
                if cityAnnual {
                    for measure in annualMeasures {
                        suppressed.insert(
                            AggregateKey(
                                period: yearText, districtCode: reference.city.code, metric: metric.id, measure: measure
                            ))
                    }
                }
            }
        }
        // Only keys that are figures of the report.
        // 数据质量's share of the largest enterprise, beside a withheld figure, would give it back
        // (with a revision of the total, exactly): withheld cells are not listed.
        let shown = dominated.filter { figure in
            !suppressed.contains(
                AggregateKey(
                    period: report.description, districtCode: reference.districts[figure.district].code,
                    metric: reference.metrics[figure.metric].id, measure: .month))
        }
        return Disclosure(suppressed: suppressed.filter { aggregates[$0] != nil }, dominated: shown)
    }

    /// One month's enterprise values grouped by cell (entries `start[c]..<start[c + 1]` are cell
    /// `c`'s), built in two passes over the month's keys: counts, then values. Flat arrays, not
    /// dictionaries: a one-month file of a million enterprise rows costs two linear passes.
    struct MonthCells: Sendable {
        private var start: [Int]
        private var entities: [Int]
        private var amounts: [FixedDecimal]
        private(set) var hasTotal: [Bool]

        init(_ accepted: AcceptedObservations, month: YearMonth, cells: Int, metrics: Int) {
            var start = [Int](repeating: 0, count: cells + 1)
            var hasTotal = [Bool](repeating: false, count: cells)
            accepted.forEachKey(in: month) { _, district, metric, entity, _ in
                let cell = district * metrics + metric
                if entity == 0 { hasTotal[cell] = true } else { start[cell + 1] += 1 }
            }
            for c in 0..<cells { start[c + 1] += start[c] }
            var next = Array(start.dropLast())
            var entities = [Int](repeating: 0, count: start[cells])
            var amounts = [FixedDecimal](repeating: .zero, count: start[cells])
            accepted.forEachKey(in: month) { _, district, metric, entity, value in
                guard entity != 0 else { return }
                let cell = district * metrics + metric
                entities[next[cell]] = entity
                amounts[next[cell]] = value
                next[cell] += 1
            }
            self.start = start
            self.entities = entities
            self.amounts = amounts
            self.hasTotal = hasTotal
        }

        func values(of cell: Int) -> ArraySlice<FixedDecimal> { amounts[start[cell]..<start[cell + 1]] }

        func pairs(of cell: Int) -> [(entity: Int, value: FixedDecimal)] {
            (start[cell]..<start[cell + 1]).map { (entities[$0], amounts[$0]) }
        }
    }

    /// Secondary suppression over additive columns: while a column has exactly one suppressed row
    /// with a value, suppress another row with a value there — the smallest at least as large as the
    /// withheld one (so that their sum, which the city total gives, places it anywhere from 0 to
    /// half of the sum or more; the smallest row would place it within that row's size), or the
    /// largest when none is; with none left, the city.
    static func secondary(
        _ rows: inout Set<Int>, columns: [Measure], has: (Int, Measure) -> Bool, size: (Int) -> FixedDecimal,
        districts: Int, cityWithheld: inout Bool
    ) {
        var changed = true
        while changed {
            changed = false
            for column in columns {
                let withValue = rows.filter { has($0, column) }
                guard withValue.count == 1, let alone = withValue.first else { continue }
                let candidates = (0..<districts).filter { !rows.contains($0) && has($0, column) }
                func magnitude(_ d: Int) -> FixedDecimal { size(d) < .zero ? .zero - size(d) : size(d) }
                let protected = magnitude(alone)
                let large = candidates.filter { magnitude($0) >= protected }
                let pick =
                    large.isEmpty
                    ? candidates.max(by: { (magnitude($0), -$0) < (magnitude($1), -$1) })
                    : large.min(by: { (magnitude($0), $0) < (magnitude($1), $1) })
                if let pick {
                    rows.insert(pick)
                    changed = true
                } else {
                    cityWithheld = true
                }
            }
        }
    }
}
