import CCacheHint

/// The keys of one month held exactly, with the value and the origin (file and line) of the
/// observation that currently holds each.
///
/// Open addressing with linear probing over three parallel arrays, one entry per slot: the key
/// (district, metric and interned entity packed into 32 bits, never 0; 0 marks an empty slot) with
/// the value beside it in one 64-bit word, the line (32 bits) and the file (16 bits): 14 bytes a
/// slot. A value is kept as hundredths in 31 bits when it is one (every value of the usual kinds);
/// any other value is kept whole in a side array, its slot holding the index.
///
/// The home slot is the high bits of a full 64-bit mix of the key (`fmix64`, a bijection), scaled
/// to the capacity, so where a key lands does not depend on which keys came before it or in which
/// order; a table grows (×2 while small, ×1.5 once large) before it is 87.5% full.
///
/// A class, as it owns raw memory (freed with it); its slots are a plain value of pointers
/// (``KeySlots``) that the key check copies out while it works on a month and puts back, so the
/// per-row path pays no reference counting and no exclusivity check. One thread uses it at a time.
final class MonthKeys {
    var slots = KeySlots(capacity: 256)
    /// Values that are not hundredths in 31 bits (their slots hold the index, negated).
    private var wideValues: [Int128] = []
    /// Per cell (district × metrics + metric): how it is reported and by which file, as
    /// `(file + 1) << 1 | grain` (grain 0: a district total, entity empty; 1: entity by entity),
    /// 0 before any observation. A later file that reports the cell the other way supersedes it
    /// whole (``Validator``).
    /// (Raw memory behind a constant pointer: the key check reads it for every row, without the
    /// exclusivity check a stored array would cost.)
    let cells: UnsafeMutableBufferPointer<UInt32>
    /// Slots whose observation was superseded with its cell (``KeySlots/droppedFile``): kept, so a
    /// later observation of the key takes the slot again, but not counted.
    var dropped = 0

    /// A table for `cellCount` cells (districts × metrics).
    init(cellCount: Int = 0) {
        cells = .allocate(capacity: cellCount)
        cells.initialize(repeating: 0)
    }

    deinit {
        slots.deallocate()
        cells.deallocate()
    }

    var count: Int { slots.count - dropped }
    var capacity: Int { slots.capacity }

    /// Bytes held, for the memory accounting tests and docs.
    var bytes: Int { slots.capacity * KeySlots.bytesPerSlot + wideValues.capacity * 16 + cells.count * 4 }

    /// The 32-bit form of a value that is not hundredths in 31 bits: its place in the side array
    /// (reusing the slot's old place when it had one), negated.
    func wide(_ value: FixedDecimal, replacing old: UInt32?) -> UInt32 {
        if let old, Int32(bitPattern: old) < 0 {
            wideValues[Int(-(Int32(bitPattern: old) + 1))] = value.units
            return old
        }
        wideValues.append(value.units)
        return UInt32(bitPattern: -Int32(wideValues.count))
    }

    func value(at slot: Int) -> FixedDecimal { value(stored: slots.storedValue(at: slot)) }

    /// The value a slot's 32-bit form stands for (read from the side array when it is negative).
    func value(stored: Int32) -> FixedDecimal {
        if stored >= 0 { return FixedDecimal(units: Int128(stored) * 10_000_000) }
        return FixedDecimal(units: wideValues[Int(-(stored + 1))])
    }

    func key(at slot: Int) -> UInt32 { slots.key(at: slot) }
    func line(at slot: Int) -> Int { slots.line(at: slot) }
    func file(at slot: Int) -> Int { slots.file(at: slot) }

    /// Adds a key that is not in the table (tests and small callers; the key check uses ``KeySlots``).
    @discardableResult
    func insert(_ key: UInt32, value: FixedDecimal, file: UInt16, line: UInt32) -> Int {
        let stored = KeySlots.small(value) ?? wide(value, replacing: nil)
        return slots.insert(key, stored: stored, file: file, line: line)
    }

    func find(_ key: UInt32) -> Int? { slots.find(key) }

    /// Every slot holding an observation that counts, in slot order.
    func forEachSlot(_ body: (Int) -> Void) {
        for i in 0..<slots.capacity where slots.isOccupied(i) && slots.file(at: i) != KeySlots.droppedFile {
            body(i)
        }
    }

    /// How far keys sit from their home slots: the total and the largest displacement.
    func displacement() -> (total: Int, largest: Int) {
        var total = 0
        var largest = 0
        forEachSlot { i in
            let h = slots.home(slots.key(at: i))
            let d = i >= h ? i - h : i + slots.capacity - h
            total += d
            largest = max(largest, d)
        }
        return (total, largest)
    }

    @inline(__always)
    static func mix(_ key: UInt32) -> UInt64 { mixWord(UInt64(key) &+ 0x9E37_79B9_7F4A_7C15) }

    /// MurmurHash3's 64-bit finalizer: a bijection in which every input bit affects every output bit.
    @inline(__always)
    static func mixWord(_ word: UInt64) -> UInt64 {
        var x = word
        x = (x ^ (x >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        x = (x ^ (x >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return x ^ (x >> 33)
    }

    /// A multiply-fold of two words (the wyhash step), for hashing byte strings a word at a time.
    @inline(__always)
    static func mixPair(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}

/// The slots of a ``MonthKeys`` table: a plain view of memory the table owns.
struct KeySlots {
    private(set) var capacity: Int
    private(set) var count = 0
    private var slots: UnsafeMutablePointer<UInt64>
    private var lines: UnsafeMutablePointer<UInt32>
    private var files: UnsafeMutablePointer<UInt16>

    static let bytesPerSlot = 14
    static let maxLoadPercent = 875
    /// The file number of a slot whose observation no longer counts (file numbers stay below it).
    static let droppedFile = Int(UInt16.max)

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        (slots, lines, files) = Self.allocate(self.capacity)
    }

    func deallocate() {
        slots.deallocate()
        lines.deallocate()
        files.deallocate()
    }

    private static func allocate(_ n: Int) -> (
        UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt16>
    ) {
        let s = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        s.initialize(repeating: 0, count: n)
        let l = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
        l.initialize(repeating: 0, count: n)
        let f = UnsafeMutablePointer<UInt16>.allocate(capacity: n)
        f.initialize(repeating: 0, count: n)
        return (s, l, f)
    }

    /// A value as hundredths in 31 bits, when it is one.
    @inline(__always)
    static func small(_ value: FixedDecimal) -> UInt32? {
        guard let units = Int64(exactly: value.units), units >= 0, units % 10_000_000 == 0,
            units / 10_000_000 <= Int64(Int32.max)
        else { return nil }
        return UInt32(truncatingIfNeeded: units / 10_000_000)
    }

    @inline(__always)
    func home(_ key: UInt32) -> Int {
        Int(truncatingIfNeeded: MonthKeys.mix(key).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    @inline(__always)
    func isOccupied(_ slot: Int) -> Bool { slots[slot] != 0 }

    /// The slot holding `key`, or `nil`.
    @inline(__always)
    func find(_ key: UInt32) -> Int? {
        var i = home(key)
        let tag = UInt64(key) << 32
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot & 0xFFFF_FFFF_0000_0000 == tag { return i }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// Starts loading the key's home slot, so that a later ``find(_:)`` finds it in cache: the
    /// misses of a group of rows overlap instead of following one another.
    /// The line and file of the slot are loaded too: a new key writes them, a repeated one reads them.
    @inline(__always)
    func prefetch(_ key: UInt32) {
        let i = home(key)
        cache_hint_prefetch(slots + i)
        cache_hint_prefetch(lines + i)
        cache_hint_prefetch(files + i)
    }

    /// Adds a key that is not in the table, with its value's 32-bit form; returns its slot.
    @inline(__always)
    @discardableResult
    mutating func insert(_ key: UInt32, stored: UInt32, file: UInt16, line: UInt32) -> Int {
        if (count + 1) * 1000 > capacity * Self.maxLoadPercent { grow() }
        let slot = emptySlot(for: key)
        slots[slot] = UInt64(key) << 32 | UInt64(stored)
        lines[slot] = line
        files[slot] = file
        count += 1
        return slot
    }

    @inline(__always)
    private func emptySlot(for key: UInt32) -> Int {
        var i = home(key)
        while slots[i] != 0 {
            i += 1
            if i == capacity { i = 0 }
        }
        return i
    }

    /// The observation at `slot` is replaced by a later one.
    @inline(__always)
    func replace(at slot: Int, stored: UInt32, file: UInt16, line: UInt32) {
        slots[slot] = slots[slot] & 0xFFFF_FFFF_0000_0000 | UInt64(stored)
        lines[slot] = line
        files[slot] = file
    }

    /// The observation at `slot` no longer counts (its cell was superseded).
    func drop(at slot: Int) { files[slot] = UInt16(KeySlots.droppedFile) }

    @inline(__always)
    func key(at slot: Int) -> UInt32 { UInt32(truncatingIfNeeded: slots[slot] >> 32) }
    @inline(__always)
    func storedValue(at slot: Int) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: slots[slot])) }
    @inline(__always)
    func line(at slot: Int) -> Int { Int(lines[slot]) }
    @inline(__always)
    func file(at slot: Int) -> Int { Int(files[slot]) }

    private mutating func grow() {
        let old = self
        let newCapacity = capacity < 1 << 16 ? capacity * 2 : capacity + capacity / 2
        self = KeySlots(capacity: newCapacity)
        for i in 0..<old.capacity where old.slots[i] != 0 {
            let slot = emptySlot(for: UInt32(truncatingIfNeeded: old.slots[i] >> 32))
            slots[slot] = old.slots[i]
            lines[slot] = old.lines[i]
            files[slot] = old.files[i]
        }
        count = old.count
        old.deallocate()
    }
}
