/// Every key seen, held exactly: one ``MonthKeys`` table per month, the entities interned once.
///
/// A key within a month packs district, metric and entity id into 32 bits,
/// `(entity × metrics + metric) × districts + district + 1`, so the index holds at most
/// ``entityCapacity`` distinct entities (14 million for 33 districts and 9 metrics). In-scope months
/// (up to the report period) are kept for the whole run, to detect resubmissions; later months
/// matter only for duplicates within a file, so their tables are dropped at the end of each file.
///
/// Memory: 14 bytes a slot at 58–87.5% load (16–24 bytes a key) plus 46–69 bytes a distinct
/// entity; it depends on how many distinct keys each month has, not on the order, size or number
/// of the files they came in. ``discard()`` gives it back once a run has no more use for the keys.
final class KeyIndex {
    let districts: Int
    let metrics: Int
    let entities = EntityInterner()
    /// The largest number of distinct entities a 32-bit key can tell apart.
    let entityCapacity: Int
    private(set) var kept: [Int: MonthKeys] = [:]
    private var scratch: [Int: MonthKeys] = [:]
    let lastKeptMonth: Int

    init(districts: Int, metrics: Int, lastKeptMonth: Int) {
        self.districts = districts
        self.metrics = metrics
        self.lastKeptMonth = lastKeptMonth
        entityCapacity = (Int(UInt32.max) - 1) / max(1, districts * metrics)
        byDistricts = Divisor(max(1, districts))
        byMetrics = Divisor(max(1, metrics))
    }

    @inline(__always)
    func key(district: Int, metric: Int, entity: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: (entity * metrics + metric) * districts + district + 1)
    }

    @inline(__always)
    func parts(of key: UInt32) -> (district: Int, metric: Int, entity: Int) {
        let (q, district) = byDistricts.divide(key &- 1)
        let (entity, metric) = byMetrics.divide(q)
        return (Int(district), Int(metric), Int(entity))
    }

    /// Division by the district and metric counts without a divide instruction (every key of every
    /// month is taken apart by the aggregation's passes).
    private let byDistricts: Divisor
    private let byMetrics: Divisor

    /// The table of a month, created when first needed.
    @inline(__always)
    func table(for month: Int) -> MonthKeys {
        if month <= lastKeptMonth {
            if let t = kept[month] { return t }
            let t = MonthKeys(cellCount: districts * metrics)
            kept[month] = t
            return t
        }
        if let t = scratch[month] { return t }
        let t = MonthKeys(cellCount: districts * metrics)
        scratch[month] = t
        return t
    }

    /// Forgets the months after the last kept one (at the end of each file).
    func endFile() { scratch = [:] }

    /// Whether ``discard()`` has given the keys back.
    private(set) var isDiscarded = false

    /// Gives back the memory of every key and entity: for a run that has computed every figure and
    /// explanation and goes on to publish them. Reading the index afterwards is a programming error
    /// (it traps), never an empty answer.
    func discard() {
        kept = [:]
        scratch = [:]
        entities.discard()
        isDiscarded = true
    }

    /// Distinct keys of the kept months.
    var keptKeys: Int { kept.values.reduce(0) { $0 + $1.count } }

    /// Bytes the index holds (tables and entities).
    var bytes: Int { kept.values.reduce(entities.bytes) { $0 + $1.bytes } + scratch.values.reduce(0) { $0 + $1.bytes } }
}

/// The accepted observations of a run, one per key (the one that counts: the first of a file, the
/// last file's for a resubmitted key), with their values and origins. The input of Aggregate.
public struct AcceptedObservations: @unchecked Sendable {
    // Safe to send: the index is complete and never changed once the validator has finished, but
    // for ``discard()``, which the pipeline calls on its own thread after the last reader.
    let index: KeyIndex

    /// The index's tables of the kept months (traps once discarded).
    private var kept: [Int: MonthKeys] {
        precondition(!index.isDiscarded, "the accepted observations were read after they were discarded")
        return index.kept
    }

    /// Gives back the memory of the keys (about 20 bytes a key): the pipeline calls it once the
    /// figures, the collection status and the revision explanations are computed, so that
    /// publishing does not hold the whole index. Any later read traps.
    public func discard() { index.discard() }

    /// One accepted observation.
    public struct Row: Sendable, Equatable {
        public let district: Int
        public let metric: Int
        public let entity: String
        public let value: FixedDecimal
        public let file: Int
        public let line: Int
    }

    /// Months with at least one accepted observation, in order.
    public var months: [YearMonth] {
        kept.filter { $0.value.count > 0 }.keys.sorted().compactMap(YearMonth.init(ordinal:))
    }

    /// Distinct keys (accepted observations).
    public var count: Int {
        precondition(!index.isDiscarded, "the accepted observations were read after they were discarded")
        return index.keptKeys
    }

    /// One more than the largest entity id (ids are dense, from 1; 0 is the district total).
    public var entityCount: Int { index.entities.count }

    /// Calls `body` with (district, metric, value) of every accepted observation of `month`, in no
    /// particular order (for sums, which do not depend on it).
    public func forEachValue(in month: YearMonth, _ body: (Int, Int, FixedDecimal) -> Void) {
        guard let table = kept[month.ordinal] else { return }
        table.forEachSlot { slot in
            let p = index.parts(of: table.key(at: slot))
            body(p.district, p.metric, table.value(at: slot))
        }
    }

    /// Calls `body` with (key, district, metric, entity id, value) of every accepted observation of
    /// `month`. The key is the same number for the same district, metric and entity in every month;
    /// entity id 0 is the district total (no entity).
    ///
    /// The order is that of ``placement(of:)`` of the keys (but for the few that open addressing
    /// displaces past the end of a table and wraps to its front): the same order in every month,
    /// whatever the order and month count of the input. Results must not depend on it; a caller
    /// may use it for speed (a table of its own placed by it is then walked front to back).
    public func forEachKey(in month: YearMonth, _ body: (UInt32, Int, Int, Int, FixedDecimal) -> Void) {
        guard let table = kept[month.ordinal] else { return }
        table.forEachSlot { slot in
            let key = table.key(at: slot)
            let p = index.parts(of: key)
            body(key, p.district, p.metric, p.entity, table.value(at: slot))
        }
    }

    /// Where a key sits in the key tables, as a fraction of their size (in units of 2⁻⁶⁴): a
    /// bijective mix of the key, so it does not depend on which other keys there are or on the
    /// order they came in.
    @inline(__always)
    public static func placement(of key: UInt32) -> UInt64 { MonthKeys.mix(key) }

    /// Distinct keys (accepted observations) of `month`.
    public func keyCount(in month: YearMonth) -> Int { kept[month.ordinal]?.count ?? 0 }

    /// Calls `body` with (district, metric, file) of every accepted observation of `month`, in no
    /// particular order (for who sent what).
    public func forEachSource(in month: YearMonth, _ body: (Int, Int, Int) -> Void) {
        guard let table = kept[month.ordinal] else { return }
        table.forEachSlot { slot in
            let p = index.parts(of: table.key(at: slot))
            body(p.district, p.metric, table.file(at: slot))
        }
    }

    /// The accepted observations of a month, district and metric, in file and line order.
    public func rows(month: YearMonth, district: Int, metric: Int) -> [Row] {
        guard let table = kept[month.ordinal] else { return [] }
        var rows: [Row] = []
        table.forEachSlot { slot in
            let p = index.parts(of: table.key(at: slot))
            guard p.district == district, p.metric == metric else { return }
            rows.append(
                Row(
                    district: district, metric: metric, entity: index.entities.text(p.entity),
                    value: table.value(at: slot),
                    file: table.file(at: slot), line: table.line(at: slot)))
        }
        return rows.sorted { ($0.file, $0.line, $0.entity) < ($1.file, $1.line, $1.entity) }
    }

    /// Bytes the key index holds.
    public var bytes: Int { index.bytes }
}

/// Exact division of 32-bit numbers by a fixed divisor, as a multiplication (Lemire, Kaser and Kurz,
/// "Faster remainder by direct computation", 2019): with M = ⌊(2⁶⁴ − 1) / d⌋ + 1, the quotient of any
/// 32-bit n is the high 64 bits of M × n.
struct Divisor: Sendable {
    let divisor: UInt32
    private let multiplier: UInt64

    init(_ d: Int) {
        precondition(d >= 1 && d <= Int(UInt32.max), "a divisor of 32 bits")
        divisor = UInt32(d)
        // d = 1 would need 2⁶⁴: its quotient is n itself.
        multiplier = d == 1 ? 0 : UInt64.max / UInt64(d) + 1
    }

    /// (n / divisor, n % divisor).
    @inline(__always)
    func divide(_ n: UInt32) -> (quotient: UInt32, remainder: UInt32) {
        if divisor == 1 { return (n, 0) }
        let q = UInt32(truncatingIfNeeded: multiplier.multipliedFullWidth(by: UInt64(n)).high)
        return (q, n &- q &* divisor)
    }
}
