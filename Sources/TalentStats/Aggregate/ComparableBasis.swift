import CCacheHint
import Foundation

/// Growth on a comparable basis (按可比口径) within a district reported enterprise by enterprise:
/// the current and the previous year's figures restricted to the enterprises that reported in the
/// same months of both years, so that an enterprise entering or leaving the reporting scope makes
/// no growth.
///
/// For a month `k` of year `y` (window: January to `k` for a flow, the month `k` alone for a stock):
/// an enterprise is comparable when it reported in exactly the same months of the window in `y` and
/// in `y − 1` (at least one). The current figure is the sum of the comparable enterprises' values
/// in the window of `y`, the previous one the same in `y − 1`. A cell (district × metric) is
/// enterprise-level in a window when no district total (a row without entity) is in the window in
/// either year; otherwise it has no comparable figure (a district total is one unit, and its growth
/// is 同比 itself).
///
/// Computed in two passes over the accepted keys: the months each key reported in, per year; then
/// each observation's contribution to the windows in which its enterprise is comparable (from its
/// month to the first month where the two years' months differ), summed by prefix.
struct ComparableBasis: Sendable {
    /// Per cell (district × metrics + metric) and month offset from `first`: the comparable current
    /// and previous sums, or `nil`.
    private let figures: [[(current: FixedDecimal, previous: FixedDecimal)?]]
    let metrics: Int

    func figure(district: Int, metric: Int, offset: Int) -> (current: FixedDecimal, previous: FixedDecimal)? {
        let cell = figures[district * metrics + metric]
        return offset >= 0 && offset < cell.count ? cell[offset] : nil
    }

    /// Threads the contributions were computed on (tests prove the parallel path ran with it).
    private(set) var threadsUsed = 1

    /// - Parameter threads: threads for the contributions pass; `nil` chooses (two on a machine
    ///   with more than one core, for at least ``parallelMinKeys`` keys and two months).
    init(
        _ accepted: AcceptedObservations, first: YearMonth, report: YearMonth, districts: Int, kinds: [MetricKind],
        threads: Int? = nil
    ) {
        metrics = kinds.count
        let cells = districts * kinds.count
        let months = (first.ordinal...report.ordinal).compactMap(YearMonth.init(ordinal:))
        let firstYear = first.year
        let years = report.year - firstYear + 1
        // Within one year nothing has a previous year to compare with.
        guard years >= 2 else {
            figures = Array(repeating: Array(repeating: nil, count: months.count), count: cells)
            return
        }
        // Months (bit k−1 for month k) each enterprise key reported in, per year; months with a district total, per cell and year.
        var reported = EnterpriseMonths(entities: accepted.entityCount, metrics: kinds.count, years: years)
        var totals = [UInt16](repeating: 0, count: cells * years)
        var anyEnterprise = false
        for month in months {
            let y = month.year - firstYear
            let bit = UInt16(1) << UInt16(month.month - 1)
            Self.inGroups(
                accepted, month, prefetch: { reported.prefetch($0, year: y) },
                body: { group in
                    for o in group {
                        if o.entity == 0 {
                            totals[(o.district * kinds.count + o.metric) * years + y] |= bit
                        } else {
                            reported.insert(
                                o.key, district: o.district, metric: o.metric, entity: o.entity, year: y, bit)
                            anyEnterprise = true
                        }
                    }
                })
        }
        guard anyEnterprise else {
            figures = Array(repeating: Array(repeating: nil, count: months.count), count: cells)
            return
        }
        // Contributions by (cell, year, month 1…13): flows as differences (added at the month the
        // enterprise becomes comparable, taken off where it stops), stocks at their month only.
        // The months are split between threads, each with its own sums, added after: integer sums,
        // so the result does not depend on the split.
        let parts = Self.threads(threads, keys: accepted.count, months: months.count)
        let bounds = (0...parts).map { $0 * months.count / parts }
        let results = Results(parts)
        let shared = reported
        let work: @Sendable (Int) -> Void = { part in
            results.store(
                part,
                Self.contributions(
                    accepted, months: months[bounds[part]..<bounds[part + 1]], firstYear: firstYear, years: years,
                    cells: cells, kinds: kinds, reported: shared))
        }
        if parts == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: work) }
        var sums = results.take(0)
        for part in 1..<parts { sums.add(results.take(part)) }
        threadsUsed = parts
        let (current, previous, units) = (sums.current, sums.previous, sums.units)
        func slot(_ cell: Int, _ y: Int, _ k: Int) -> Int { Contributions.slot(cell, y, k, years: years) }
        var figures: [[(current: FixedDecimal, previous: FixedDecimal)?]] = []
        figures.reserveCapacity(cells)
        for cell in 0..<cells {
            let metric = cell % kinds.count
            var series: [(current: FixedDecimal, previous: FixedDecimal)?] = []
            var running: (current: Int128, previous: Int128, units: Int) = (0, 0, 0)
            for month in months {
                let y = month.year - firstYear
                let k = month.month
                if k == 1 || month == months.first { running = (0, 0, 0) }
                let window: UInt16 = kinds[metric] == .stock ? 1 << UInt16(k - 1) : UInt16((1 << k) - 1)
                if kinds[metric] == .stock {
                    running = (current[slot(cell, y, k)], previous[slot(cell, y, k)], units[slot(cell, y, k)])
                } else {
                    // Prefix sums from January; a series starting mid-year adds its earlier months first.
                    let from = month == months.first ? 1 : k
                    for j in from...k {
                        running.current += current[slot(cell, y, j)]
                        running.previous += previous[slot(cell, y, j)]
                        running.units += units[slot(cell, y, j)]
                    }
                }
                let hasTotal =
                    totals[cell * years + y] & window != 0 || (y > 0 && totals[cell * years + y - 1] & window != 0)
                series.append(
                    hasTotal || running.units == 0
                        ? nil : (FixedDecimal(units: running.current), FixedDecimal(units: running.previous)))
            }
            figures.append(series)
        }
        self.figures = figures
    }

    /// Keys from which the contributions pass runs on two threads.
    static let parallelMinKeys = 100_000

    static func threads(_ requested: Int?, keys: Int, months: Int) -> Int {
        if let requested { return max(1, min(requested, months)) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return cores > 1 && keys >= parallelMinKeys && months >= 2 ? 2 : 1
    }

    /// Sums by (cell, year, month 1…13) of the observations' contributions: the comparable current
    /// and previous values and the count of comparable enterprises.
    struct Contributions {
        /// Months 1…13 of a (cell, year), 13 the end of the year (where a flow's last difference goes).
        static let stride = 14
        var current: [Int128]
        var previous: [Int128]
        var units: [Int]

        init(count: Int) {
            current = Array(repeating: 0, count: count)
            previous = Array(repeating: 0, count: count)
            units = Array(repeating: 0, count: count)
        }

        /// The place of (cell, year offset, month 1…13) in the arrays.
        @inline(__always)
        static func slot(_ cell: Int, _ year: Int, _ month: Int, years: Int) -> Int {
            (cell * years + year) * stride + month
        }

        mutating func add(_ other: Contributions) {
            for i in current.indices {
                current[i] += other.current[i]
                previous[i] += other.previous[i]
                units[i] += other.units[i]
            }
        }
    }

    /// One thread's contributions, kept until the threads have joined.
    final class Results: @unchecked Sendable {
        // Safe to send: the elements are raw memory allocated before the threads start (not an
        // array, whose every element write is an access to the whole array); each thread writes
        // only its own element, and the elements are read after `concurrentPerform` has returned
        // (which orders every write before it).
        private let parts: UnsafeMutableBufferPointer<Contributions?>
        init(_ count: Int) {
            parts = .allocate(capacity: count)
            parts.initialize(repeating: nil)
        }
        deinit {
            _ = parts.deinitialize()
            parts.deallocate()
        }
        func store(_ part: Int, _ value: Contributions) { parts[part] = value }
        func take(_ part: Int) -> Contributions { parts[part]! }
    }

    /// The contributions of the observations of `months` (``reported`` complete, only read).
    static func contributions(
        _ accepted: AcceptedObservations, months: ArraySlice<YearMonth>, firstYear: Int, years: Int, cells: Int,
        kinds: [MetricKind], reported: EnterpriseMonths
    ) -> Contributions {
        var sums = Contributions(count: cells * years * Contributions.stride)
        func slot(_ cell: Int, _ y: Int, _ k: Int) -> Int { Contributions.slot(cell, y, k, years: years) }
        for month in months {
            let y = month.year - firstYear
            let k = month.month
            let bit = UInt16(1) << UInt16(k - 1)
            inGroups(
                accepted, month, prefetch: { reported.prefetch($0, year: y) },
                body: { group in
                    for o in group where o.entity != 0 {
                        let (key, district, metric, entity, value) = (o.key, o.district, o.metric, o.entity, o.value)
                        let cell = district * kinds.count + metric
                        let mine = reported.months(key, district: district, metric: metric, entity: entity, year: y)
                        let isStock = kinds[metric] == .stock
                        // Twice: this observation as the current side of year y (against y − 1), then as the
                        // previous side of year y + 1 (against y + 1).
                        for side in 0..<2 {
                            let isCurrent = side == 0
                            let target = isCurrent ? y : y + 1
                            let other = isCurrent ? y - 1 : y + 1
                            guard target < years, other >= 0, other < years else { continue }
                            let theirs = reported.months(
                                key, district: district, metric: metric, entity: entity, year: other)
                            if isStock {
                                guard theirs & bit != 0 else { continue }
                                if isCurrent {
                                    sums.current[slot(cell, target, k)] += value.units
                                    sums.units[slot(cell, target, k)] += 1
                                } else {
                                    sums.previous[slot(cell, target, k)] += value.units
                                }
                            } else {
                                // The first month (1…12, or 13) where the two years' months differ.
                                let differ = mine ^ theirs
                                let stop = differ == 0 ? 13 : differ.trailingZeroBitCount + 1
                                guard k < stop else { continue }
                                if isCurrent {
                                    sums.current[slot(cell, target, k)] += value.units
                                    sums.current[slot(cell, target, stop)] -= value.units
                                    sums.units[slot(cell, target, k)] += 1
                                    sums.units[slot(cell, target, stop)] -= 1
                                } else {
                                    sums.previous[slot(cell, target, k)] += value.units
                                    sums.previous[slot(cell, target, stop)] -= value.units
                                }
                            }
                        }
                    }
                })
        }
        return sums
    }

    /// One accepted observation, as ``AcceptedObservations/forEachKey(in:_:)`` gives it.
    struct Observation {
        let key: UInt32
        let district: Int
        let metric: Int
        let entity: Int
        let value: FixedDecimal
    }

    /// Calls `body` with the observations of `month` in groups of 32, each group given to
    /// `prefetch` one group before `body` sees it, so that the slots a group reads are on their way
    /// while the group before it is computed (the cache misses overlap; what is computed, and in
    /// which order, does not change).
    static func inGroups(
        _ accepted: AcceptedObservations, _ month: YearMonth, prefetch: ([Observation]) -> Void,
        body: ([Observation]) -> Void
    ) {
        var ready: [Observation] = []
        var filling: [Observation] = []
        ready.reserveCapacity(32)
        filling.reserveCapacity(32)
        accepted.forEachKey(in: month) { key, district, metric, entity, value in
            filling.append(Observation(key: key, district: district, metric: metric, entity: entity, value: value))
            if filling.count == 32 {
                prefetch(filling)
                if !ready.isEmpty { body(ready) }
                swap(&ready, &filling)
                filling.removeAll(keepingCapacity: true)
            }
        }
        prefetch(filling)
        if !ready.isEmpty { body(ready) }
        if !filling.isEmpty { body(filling) }
    }
}

/// Enterprise key → months reported in each year (bit k−1 for month k).
///
/// Indexed densely by `(entity × metrics + metric) × years + year` (entity ids are dense, from 1),
/// one 16-bit word of months a slot; the years of one key are side by side, so comparing a key's
/// year with the years around it is one memory access. The district an entity is first seen in is
/// kept once for the entity (its district + 1, 16 bits); an observation of the enterprise under
/// another district (rare) is kept by its whole key in a dictionary. Memory: 2 bytes × metrics ×
/// years + 2 bytes a distinct entity.
struct EnterpriseMonths: @unchecked Sendable {
    // Safe to send: it is filled on one thread (the first pass), then only read, by any number of
    // threads at once (the contributions pass), through a `let` copy; the tables it points to are
    // never written again.
    private let slots: LargeTable<UInt16>
    private let owners: LargeTable<UInt16>
    private var others: [Int: UInt16] = [:]
    private let metrics: Int
    private let years: Int

    init(entities: Int, metrics: Int, years: Int) {
        self.metrics = metrics
        self.years = years
        slots = LargeTable(zeroed: max(1, entities) * metrics * years)
        owners = LargeTable(zeroed: max(1, entities))
    }

    mutating func insert(_ key: UInt32, district: Int, metric: Int, entity: Int, year: Int, _ bit: UInt16) {
        let owner = owners[entity]
        if district + 1 > 0xFFFF {
            others[Int(key) * years + year, default: 0] |= bit
            return
        }
        let mine = UInt16(truncatingIfNeeded: district + 1)
        if owner == 0 { owners[entity] = mine }
        if owner == 0 || owner == mine {
            let i = (entity * metrics + metric) * years + year
            slots[i] |= bit
        } else {
            others[Int(key) * years + year, default: 0] |= bit
        }
    }

    /// Starts loading the slots of a group's enterprise keys in `year` (a hint: changes nothing).
    func prefetch(_ group: [ComparableBasis.Observation], year: Int) {
        for o in group where o.entity != 0 {
            let i = (o.entity * metrics + o.metric) * years + year
            if i < slots.count { cache_hint_prefetch(slots.address(i)) }
            if o.entity < owners.count { cache_hint_prefetch(owners.address(o.entity)) }
        }
    }

    func months(_ key: UInt32, district: Int, metric: Int, entity: Int, year: Int) -> UInt16 {
        if district + 1 <= 0xFFFF && owners[entity] == UInt16(truncatingIfNeeded: district + 1) {
            return slots[(entity * metrics + metric) * years + year]
        }
        return others[Int(key) * years + year] ?? 0
    }
}
