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

    /// Threads each pass was computed on (tests prove the parallel path ran with it).
    private(set) var threadsUsed = 1

    /// - Parameter threads: threads for each of the two passes; `nil` chooses (two on a machine
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
        // Months (bit k−1 for month k) each enterprise key reported in, per year; months with a
        // district total, per cell and year. The months are split between threads as in the second
        // pass, each part with a table of its own, merged after: an OR of month bits, so the result
        // does not depend on the split.
        let parts = Self.threads(threads, keys: accepted.count, months: months.count)
        let bounds = (0...parts).map { $0 * months.count / parts }
        let firstPass = Results<(reported: EnterpriseMonths, totals: [UInt16], anyEnterprise: Bool)>(parts)
        let reportedMonths: @Sendable (Int) -> Void = { part in
            let mine = months[bounds[part]..<bounds[part + 1]]
            var reported = EnterpriseMonths(
                years: years, expectedKeys: mine.map { accepted.keyCount(in: $0) }.max() ?? 0)
            var totals = [UInt16](repeating: 0, count: cells * years)
            var anyEnterprise = false
            for month in mine {
                let y = month.year - firstYear
                let bit = UInt16(1) << UInt16(month.month - 1)
                accepted.forEachKey(in: month) { key, district, metric, entity, _ in
                    if entity == 0 {
                        totals[(district * kinds.count + metric) * years + y] |= bit
                    } else {
                        reported.insert(key, year: y, bit)
                        anyEnterprise = true
                    }
                }
            }
            firstPass.store(part, (reported, totals, anyEnterprise))
        }
        if parts == 1 {
            reportedMonths(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts, execute: reportedMonths)
        }
        var (reported, totals, anyEnterprise) = firstPass.take(0)
        for part in 1..<parts {
            let other = firstPass.take(part)
            reported.merge(other.reported)
            for i in totals.indices { totals[i] |= other.totals[i] }
            anyEnterprise = anyEnterprise || other.anyEnterprise
        }
        guard anyEnterprise else {
            figures = Array(repeating: Array(repeating: nil, count: months.count), count: cells)
            return
        }
        // Contributions by (cell, year, month 1…13): flows as differences (added at the month the
        // enterprise becomes comparable, taken off where it stops), stocks at their month only.
        // The months are split between threads, each with its own sums, added after: integer sums,
        // so the result does not depend on the split.
        let results = Results<Contributions>(parts)
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

    /// One thread's part of a pass, kept until the threads have joined.
    final class Results<Value>: @unchecked Sendable {
        // Safe to send: the elements are raw memory allocated before the threads start (not an
        // array, whose every element write is an access to the whole array); each thread writes
        // only its own element, and the elements are read after `concurrentPerform` has returned
        // (which orders every write before it).
        private let parts: UnsafeMutableBufferPointer<Value?>
        init(_ count: Int) {
            parts = .allocate(capacity: count)
            parts.initialize(repeating: nil)
        }
        deinit {
            _ = parts.deinitialize()
            parts.deallocate()
        }
        func store(_ part: Int, _ value: Value) { parts[part] = value }
        func take(_ part: Int) -> Value { parts[part]! }
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
            accepted.forEachKey(in: month) { key, district, metric, entity, value in
                guard entity != 0 else { return }
                let cell = district * kinds.count + metric
                let at = reported.slot(of: key)
                let mine = reported.months(at: at, year: y)
                let isStock = kinds[metric] == .stock
                // Twice: this observation as the current side of year y (against y − 1), then as the
                // previous side of year y + 1 (against y + 1).
                for side in 0..<2 {
                    let isCurrent = side == 0
                    let target = isCurrent ? y : y + 1
                    let other = isCurrent ? y - 1 : y + 1
                    guard target < years, other >= 0, other < years else { continue }
                    let theirs = reported.months(at: at, year: other)
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
        }
        return sums
    }
}

/// Enterprise key (district, metric and entity, as ``AcceptedObservations`` packs them) → months
/// reported in each year (bit k−1 for month k).
///
/// Open addressing with linear probing, a key placed by ``AcceptedObservations/placement(of:)``
/// scaled to the capacity: the order in which ``AcceptedObservations/forEachKey(in:_:)`` gives the
/// keys of every month. So both passes, which walk the months key by key, walk this table front to
/// back too: its memory is read in order, where a table indexed by entity id was read at random
/// (those cache misses were most of the basis's time). The years of a key are side by side, so
/// comparing a key's year with the years around it is one memory access. Memory: 4 + 2 × years
/// bytes a slot, at most 70% full: 15–29 bytes a distinct enterprise key for 3 years.
struct EnterpriseMonths: @unchecked Sendable {
    // Safe to send: it is filled on one thread (the first pass), then only read, by any number of
    // threads at once (the contributions pass), through a `let` copy; the tables it points to are
    // never written again.
    private var keys: LargeTable<UInt32>
    private var months: LargeTable<UInt16>
    private(set) var capacity: Int
    private(set) var count = 0
    let years: Int

    static let maxLoadPercent = 70

    /// - Parameter expectedKeys: distinct keys expected at least (the table grows past them).
    init(years: Int, expectedKeys: Int) {
        self.years = years
        var capacity = 1024
        while capacity * Self.maxLoadPercent < expectedKeys * 100 { capacity *= 2 }
        self.capacity = capacity
        keys = LargeTable(zeroed: capacity)
        months = LargeTable(zeroed: capacity * years)
    }

    @inline(__always)
    private static func home(_ key: UInt32, capacity: Int) -> Int {
        Int(truncatingIfNeeded: AcceptedObservations.placement(of: key).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// Notes that `key` (never 0) reported in the months `bit` (one bit, or several when tables are
    /// merged) of year offset `year`.
    mutating func insert(_ key: UInt32, year: Int, _ bit: UInt16) {
        var i = Self.home(key, capacity: capacity)
        while true {
            let k = keys[i]
            if k == key { break }
            if k == 0 {
                if (count + 1) * 100 > capacity * Self.maxLoadPercent {
                    grow()
                    insert(key, year: year, bit)
                    return
                }
                keys[i] = key
                count += 1
                break
            }
            i += 1
            if i == capacity { i = 0 }
        }
        months[i * years + year] |= bit
    }

    /// The slot of a key that was inserted.
    @inline(__always)
    func slot(of key: UInt32) -> Int {
        var i = Self.home(key, capacity: capacity)
        while keys[i] != key {
            precondition(keys[i] != 0, "a key of the second pass was not seen in the first")
            i += 1
            if i == capacity { i = 0 }
        }
        return i
    }

    /// The months the key at `slot` reported in, in year offset `year`.
    @inline(__always)
    func months(at slot: Int, year: Int) -> UInt16 { months[slot * years + year] }

    /// Adds the months of `other` (a table of other months of the same keys' years).
    mutating func merge(_ other: EnterpriseMonths) {
        precondition(other.years == years, "tables of the same years")
        for j in 0..<other.capacity where other.keys[j] != 0 {
            for y in 0..<years where other.months[j * years + y] != 0 {
                insert(other.keys[j], year: y, other.months[j * years + y])
            }
        }
    }

    /// Twice the slots; the keys go in slot order, so the new table is written front to back.
    private mutating func grow() {
        let old = (keys: keys, months: months, capacity: capacity)
        capacity *= 2
        keys = LargeTable(zeroed: capacity)
        months = LargeTable(zeroed: capacity * years)
        for j in 0..<old.capacity where old.keys[j] != 0 {
            let key = old.keys[j]
            var i = Self.home(key, capacity: capacity)
            while keys[i] != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            keys[i] = key
            for y in 0..<years { months[i * years + y] = old.months[j * years + y] }
        }
    }
}
