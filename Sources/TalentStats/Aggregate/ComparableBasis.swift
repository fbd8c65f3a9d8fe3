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
struct ComparableBasis {
    /// Per cell (district × metrics + metric) and month offset from `first`: the comparable current
    /// and previous sums, or `nil`.
    private let figures: [[(current: FixedDecimal, previous: FixedDecimal)?]]
    let metrics: Int

    func figure(district: Int, metric: Int, offset: Int) -> (current: FixedDecimal, previous: FixedDecimal)? {
        let cell = figures[district * metrics + metric]
        return offset >= 0 && offset < cell.count ? cell[offset] : nil
    }

    init(_ accepted: AcceptedObservations, first: YearMonth, report: YearMonth, districts: Int, kinds: [MetricKind]) {
        metrics = kinds.count
        let cells = districts * kinds.count
        let months = (first.ordinal...report.ordinal).compactMap(YearMonth.init(ordinal:))
        let firstYear = first.year
        let years = report.year - firstYear + 1
        // Months (bit k−1 for month k) each enterprise key reported in, per year; months with a district total, per cell and year.
        var reported = [MonthMaskMap](repeating: MonthMaskMap(), count: years)
        var totals = [UInt16](repeating: 0, count: cells * years)
        var anyEnterprise = false
        for month in months {
            let y = month.year - firstYear
            let bit = UInt16(1) << UInt16(month.month - 1)
            accepted.forEachKey(in: month) { key, district, metric, entity, _ in
                if entity == 0 {
                    totals[(district * kinds.count + metric) * years + y] |= bit
                } else {
                    reported[y].insert(key, bit)
                    anyEnterprise = true
                }
            }
        }
        guard anyEnterprise else {
            figures = Array(repeating: Array(repeating: nil, count: months.count), count: cells)
            return
        }
        // Contributions by (cell, year, month 1…13): flows as differences (added at the month the
        // enterprise becomes comparable, taken off where it stops), stocks at their month only.
        let stride = 14
        var current = [Int128](repeating: 0, count: cells * years * stride)
        var previous = [Int128](repeating: 0, count: cells * years * stride)
        var units = [Int](repeating: 0, count: cells * years * stride)
        func slot(_ cell: Int, _ y: Int, _ k: Int) -> Int { (cell * years + y) * stride + k }
        for month in months {
            let y = month.year - firstYear
            let k = month.month
            let bit = UInt16(1) << UInt16(k - 1)
            accepted.forEachKey(in: month) { key, district, metric, entity, value in
                guard entity != 0 else { return }
                let cell = district * kinds.count + metric
                let mine = reported[y][key]
                // (year compared, that year's months, the other year's months, is this the current side)
                for (target, other, isCurrent) in [(y, y - 1, true), (y + 1, y + 1, false)] {
                    guard target >= 0, target < years, other >= 0, other < years else { continue }
                    let theirs = reported[other][key]
                    if kinds[metric] == .stock {
                        guard theirs & bit != 0 else { continue }
                        if isCurrent {
                            current[slot(cell, target, k)] += value.units
                            units[slot(cell, target, k)] += 1
                        } else {
                            previous[slot(cell, target, k)] += value.units
                        }
                    } else {
                        // The first month (1…12, or 13) where the two years' months differ.
                        let differ = mine ^ theirs
                        let stop = differ == 0 ? 13 : differ.trailingZeroBitCount + 1
                        guard k < stop else { continue }
                        if isCurrent {
                            current[slot(cell, target, k)] += value.units
                            current[slot(cell, target, stop)] -= value.units
                            units[slot(cell, target, k)] += 1
                            units[slot(cell, target, stop)] -= 1
                        } else {
                            previous[slot(cell, target, k)] += value.units
                            previous[slot(cell, target, stop)] -= value.units
                        }
                    }
                }
            }
        }
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
}

/// Enterprise key → months reported in a year (bit k−1 for month k): open addressing on the keys'
/// own 32-bit values (never 0), placed by ``MonthKeys/mix(_:)``, so no order of insertion clusters them.
struct MonthMaskMap {
    private var keys: [UInt32] = Array(repeating: 0, count: 16)
    private var masks: [UInt16] = Array(repeating: 0, count: 16)
    private var count = 0

    private func home(_ key: UInt32) -> Int { Int(truncatingIfNeeded: MonthKeys.mix(key) & UInt64(keys.count - 1)) }

    mutating func insert(_ key: UInt32, _ bit: UInt16) {
        if (count + 1) * 4 > keys.count * 3 { grow() }
        var i = home(key)
        while keys[i] != 0 && keys[i] != key { i = (i + 1) & (keys.count - 1) }
        if keys[i] == 0 {
            keys[i] = key
            count += 1
        }
        masks[i] |= bit
    }

    subscript(_ key: UInt32) -> UInt16 {
        var i = home(key)
        while keys[i] != 0 {
            if keys[i] == key { return masks[i] }
            i = (i + 1) & (keys.count - 1)
        }
        return 0
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldMasks = masks
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        masks = Array(repeating: 0, count: oldKeys.count * 2)
        count = 0
        for (i, key) in oldKeys.enumerated() where key != 0 {
            var j = home(key)
            while keys[j] != 0 { j = (j + 1) & (keys.count - 1) }
            keys[j] = key
            masks[j] = oldMasks[i]
            count += 1
        }
    }
}
