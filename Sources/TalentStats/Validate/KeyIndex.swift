/// A 64-bit hash for keys (a wyhash-style multiply-mix; not cryptographic, well distributed).
enum KeyHash {
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The fingerprint of (district, metric, entity bytes); never 0 (0 marks an empty slot).
    @inline(__always)
    static func fingerprint(district: Int, metric: Int, entity: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: district) << 32 | UInt64(truncatingIfNeeded: metric))
        h = mix(h ^ 0xA076_1D64_78BD_642F, UInt64(truncatingIfNeeded: entity.count) ^ 0xE703_7ED1_A0B4_28DB)
        var i = 0
        let n = entity.count
        if let base = entity.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                h = mix(h ^ word ^ 0xA076_1D64_78BD_642F, 0xE703_7ED1_A0B4_28DB)
                i += 8
            }
            if i < n {
                var word: UInt64 = 0
                var shift: UInt64 = 0
                while i < n {
                    word |= UInt64(base[i]) << shift
                    shift += 8
                    i += 1
                }
                h = mix(h ^ word ^ 0x8EBC_6AF0_9C88_C6E3, 0x5899_65CC_7537_4CC3)
            }
        }
        h = mix(h, 0x1D8E_4E27_C47D_124F)
        return h == 0 ? 1 : h
    }
}

/// An open-addressing table from key fingerprints to the observation that holds the key.
///
/// One 64-bit word a slot: the high 32 bits of the key's fingerprint (never 0; 0 marks an empty
/// slot) and a 32-bit observation number. Linear probing from a home slot chosen by the same 32
/// bits; grown when 85% full. About 10 bytes per distinct key, one cache line per probe. Two keys
/// may share the 32 bits; the caller verifies every match against the actual row before treating
/// it as the same key, so sharing costs a re-read, never a wrong answer.
/// A plain struct of a pointer, so the per-row path touches no reference count; ``KeyTables``
/// owns and frees the memory.
struct FingerprintTable {
    private(set) var capacity: Int
    private(set) var count = 0
    private var slots: UnsafeMutablePointer<UInt64>

    init(capacity: Int = 1024) {
        self.capacity = max(16, capacity)
        slots = .allocate(capacity: self.capacity)
        slots.initialize(repeating: 0, count: self.capacity)
    }

    func deallocate() { slots.deallocate() }

    @inline(__always)
    static func tag(_ fingerprint: UInt64) -> UInt64 {
        let t = fingerprint >> 32
        return t == 0 ? 1 : t
    }

    @inline(__always)
    private func home(_ tag: UInt64) -> Int {
        Int(truncatingIfNeeded: (tag &* UInt64(capacity)) >> 32)
    }

    /// Calls `isSame` for each slot holding the fingerprint's tag until it returns true; returns that slot.
    @inline(__always)
    func find(_ fingerprint: UInt64, isSame: (UInt32) -> Bool) -> Int? {
        let tag = Self.tag(fingerprint)
        var i = home(tag)
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot >> 32 == tag && isSame(UInt32(truncatingIfNeeded: slot)) { return i }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// Whether any slot holds the fingerprint's tag (the common answer, no, needs no row read again).
    @inline(__always)
    func contains(_ fingerprint: UInt64) -> Bool {
        let tag = Self.tag(fingerprint)
        var i = home(tag)
        while true {
            let slot = slots[i]
            if slot == 0 { return false }
            if slot >> 32 == tag { return true }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    func setPayload(_ payload: UInt32, at slot: Int) {
        slots[slot] = slots[slot] & 0xFFFF_FFFF_0000_0000 | UInt64(payload)
    }

    /// Adds `offset` to every payload (the row numbers of a chunk read separately).
    mutating func offsetPayloads(by offset: UInt32) {
        for i in 0..<capacity where slots[i] != 0 {
            slots[i] = slots[i] & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(truncatingIfNeeded: slots[i]) &+ offset)
        }
    }

    /// Every (fingerprint, payload), in slot order; the fingerprint carries only the stored tag.
    func forEach(_ body: (UInt64, UInt32) -> Void) {
        for i in 0..<capacity where slots[i] != 0 { body(slots[i] & 0xFFFF_FFFF_0000_0000, UInt32(truncatingIfNeeded: slots[i])) }
    }

    @inline(__always)
    mutating func insert(_ fingerprint: UInt64, _ payload: UInt32) {
        if (count + 1) * 100 > capacity * 85 { grow() }
        let tag = Self.tag(fingerprint)
        var i = home(tag)
        while slots[i] != 0 {
            i += 1
            if i == capacity { i = 0 }
        }
        slots[i] = tag << 32 | UInt64(payload)
        count += 1
    }

    private mutating func grow() {
        let old = self
        // Doubling while small, then by half, to keep memory close to what the keys need.
        self = FingerprintTable(capacity: capacity < 1 << 16 ? capacity * 2 : capacity + capacity / 2)
        for i in 0..<old.capacity where old.slots[i] != 0 { insert(old.slots[i] & 0xFFFF_FFFF_0000_0000, UInt32(truncatingIfNeeded: old.slots[i])) }
        old.deallocate()
    }
}

/// The fingerprint tables of a run, one per month, and their memory.
///
/// The tables live in a manually managed buffer rather than an array property, so that the
/// per-row path pays no dynamic exclusivity check.
final class KeyTables {
    private var storage: UnsafeMutablePointer<FingerprintTable>
    private var storageCapacity = 64
    private var used = 0
    private var byMonth: [Int: Int] = [:]
    /// Months tend to hold similar numbers of keys: a new month's table starts at the size the
    /// largest so far reached, which saves most of the growing.
    private var largest = 0

    init() { storage = .allocate(capacity: storageCapacity) }

    deinit {
        for i in 0..<used { storage[i].deallocate() }
        storage.deinitialize(count: used)
        storage.deallocate()
    }

    private func append(_ table: FingerprintTable) -> Int {
        if used == storageCapacity {
            let grown = UnsafeMutablePointer<FingerprintTable>.allocate(capacity: storageCapacity * 2)
            grown.moveInitialize(from: storage, count: used)
            storage.deallocate()
            storage = grown
            storageCapacity *= 2
        }
        (storage + used).initialize(to: table)
        used += 1
        return used - 1
    }

    /// The table number for a month, created when first needed.
    func index(for month: Int) -> Int {
        if let i = byMonth[month] { return i }
        for i in 0..<used { largest = max(largest, storage[i].count) }
        let i = append(FingerprintTable(capacity: max(1024, largest * 100 / 80)))
        byMonth[month] = i
        return i
    }

    /// Forgets some months' tables (the per-file tables of months after the report period).
    func remove(months: [Int]) {
        for m in months {
            if let i = byMonth.removeValue(forKey: m) {
                storage[i].deallocate()
                storage[i] = FingerprintTable(capacity: 16)
            }
        }
    }

    /// Removes a month's table and hands it over (the caller then owns its memory).
    func take(month: Int) -> FingerprintTable? {
        guard let i = byMonth.removeValue(forKey: month) else { return nil }
        let table = storage[i]
        storage[i] = FingerprintTable(capacity: 16)
        return table
    }

    /// Installs a table for a month that has none (or an empty one).
    func adopt(_ table: FingerprintTable, month: Int) {
        if let i = byMonth[month] {
            storage[i].deallocate()
            storage[i] = table
        } else {
            byMonth[month] = append(table)
        }
    }

    /// The months that have a table, in order.
    var months: [Int] { byMonth.keys.sorted() }

    func table(month: Int) -> Int? { byMonth[month] }

    @inline(__always)
    func withTable<R>(_ index: Int, _ body: (inout FingerprintTable) -> R) -> R {
        body(&storage[index])
    }

    func count(months: (Int) -> Bool) -> Int {
        byMonth.filter { months($0.key) }.reduce(0) { $0 + storage[$1.value].count }
    }
}

/// Exact sums per month × district × metric, with how many observations each holds.
public final class MonthlySums: @unchecked Sendable {
    struct Cells {
        let units: UnsafeMutablePointer<Int128>
        let counts: UnsafeMutablePointer<Int32>
    }

    let districts: Int
    let metrics: Int
    private var months: [Int: Cells] = [:]
    private var lastOrdinal = Int.min
    private var last: Cells?

    init(districts: Int, metrics: Int) {
        self.districts = districts
        self.metrics = metrics
    }

    deinit {
        for cells in months.values {
            cells.units.deallocate()
            cells.counts.deallocate()
        }
    }

    @inline(__always)
    private func cells(_ ordinal: Int) -> Cells {
        if ordinal == lastOrdinal, let last { return last }
        let cells: Cells
        if let existing = months[ordinal] { cells = existing } else {
            let n = districts * metrics
            cells = Cells(units: .allocate(capacity: n), counts: .allocate(capacity: n))
            cells.units.initialize(repeating: 0, count: n)
            cells.counts.initialize(repeating: 0, count: n)
            months[ordinal] = cells
        }
        lastOrdinal = ordinal
        last = cells
        return cells
    }

    @inline(__always)
    func add(_ value: FixedDecimal, month ordinal: Int, district: Int, metric: Int) {
        let c = cells(ordinal)
        let cell = district * metrics + metric
        c.units[cell] += value.units
        c.counts[cell] += 1
    }

    /// Adds another set of sums (of the same reference data) into this one.
    func add(_ other: MonthlySums) {
        let n = districts * metrics
        for (ordinal, theirs) in other.months {
            let mine = cells(ordinal)
            for cell in 0..<n {
                mine.units[cell] += theirs.units[cell]
                mine.counts[cell] += theirs.counts[cell]
            }
        }
    }

    func subtract(_ value: FixedDecimal, month ordinal: Int, district: Int, metric: Int) {
        let c = cells(ordinal)
        let cell = district * metrics + metric
        c.units[cell] -= value.units
        c.counts[cell] -= 1
    }

    /// The sum for a cell, or `nil` when no accepted observation is in it.
    public func value(month: YearMonth, district: Int, metric: Int) -> FixedDecimal? {
        guard let c = months[month.ordinal] else { return nil }
        let cell = district * metrics + metric
        return c.counts[cell] > 0 ? FixedDecimal(units: c.units[cell]) : nil
    }

    /// Months with at least one accepted observation.
    public var monthsWithData: [YearMonth] {
        let n = districts * metrics
        return months.filter { _, c in (0..<n).contains { c.counts[$0] > 0 } }.keys.sorted().compactMap(YearMonth.init(ordinal:))
    }
}
