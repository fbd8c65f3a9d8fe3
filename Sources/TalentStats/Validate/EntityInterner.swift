import Foundation

/// Entity identifiers (their normalized bytes) to dense ids, each stored once: id 0 is the empty
/// entity (a file without an entity column), the others count up in order of first sight.
///
/// A class, as it owns raw memory (freed with it); its table is a plain value of pointers
/// (``EntityTable``) that the key check copies out for a batch and puts back, so the per-row path
/// pays no reference counting and no exclusivity check. One thread uses it at a time.
final class EntityInterner {
    var table = EntityTable()

    deinit { table.deallocate() }

    /// Distinct entities, the empty one included.
    var count: Int { table.count }
    var bytes: Int { table.bytes }
    func text(_ id: Int) -> String { table.text(id) }
}

/// The interner's memory: open addressing over 64-bit slots (the high 32 bits of the bytes' hash,
/// the id + 1), and the bytes of every entity in one arena. About 30 bytes per distinct entity for
/// an 18-character credit code. A plain view of memory that ``EntityInterner`` owns.
struct EntityTable {
    private var slots: UnsafeMutablePointer<UInt64>
    private var capacity = 1024
    /// Entity i's bytes are `arena[starts[i] ..< starts[i + 1]]`.
    private var starts: UnsafeMutablePointer<UInt32>
    private var startsCapacity = 1024
    private(set) var count = 1
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity = 1 << 16
    private var arenaCount = 0

    init() {
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        starts = .allocate(capacity: startsCapacity)
        starts[0] = 0
        starts[1] = 0
        arena = .allocate(capacity: arenaCapacity)
    }

    func deallocate() {
        slots.deallocate()
        starts.deallocate()
        arena.deallocate()
    }

    var bytes: Int { capacity * 8 + startsCapacity * 4 + arenaCapacity }

    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: b.count)
        guard let base = b.baseAddress else { return MonthKeys.mixWord(h) }
        let raw = UnsafeRawPointer(base)
        let n = b.count
        var i = 0
        while i + 8 <= n {
            h = MonthKeys.mixPair(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
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
            h = MonthKeys.mixPair(h ^ word, 0xE703_7ED1_A0B4_28DB)
        }
        return MonthKeys.mixWord(h)
    }

    @inline(__always)
    private func equals(_ id: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(starts[id]), end = Int(starts[id + 1])
        guard end - start == b.count else { return false }
        return b.count == 0 || memcmp(arena + start, b.baseAddress!, b.count) == 0
    }

    @inline(__always)
    private func home(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h.multipliedFullWidth(by: UInt64(capacity)).high) }

    /// Touches the home slot of `b` (see ``MonthKeys``' `touch`).
    @inline(__always)
    func touch(_ hash: UInt64) -> UInt64 { slots[home(hash)] }

    /// The id of `bytes`, added when new.
    @inline(__always)
    mutating func intern(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        if b.isEmpty { return 0 }
        return intern(b, hash: Self.hash(b))
    }

    @inline(__always)
    mutating func intern(_ b: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int {
        if b.isEmpty { return 0 }
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = home(h)
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let id = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                if equals(id, b) { return id }
            }
            i += 1
            if i == capacity { i = 0 }
        }
        return add(b, tag: tag, slot: i)
    }

    private mutating func add(_ b: UnsafeBufferPointer<UInt8>, tag: UInt64, slot: Int) -> Int {
        let id = count
        if arenaCount + b.count > arenaCapacity {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(arenaCapacity * 2, arenaCount + b.count))
            grown.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = grown
            arenaCapacity = max(arenaCapacity * 2, arenaCount + b.count)
        }
        if id + 2 > startsCapacity {
            let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: startsCapacity * 2)
            grown.update(from: starts, count: id + 1)
            starts.deallocate()
            starts = grown
            startsCapacity *= 2
        }
        (arena + arenaCount).update(from: b.baseAddress!, count: b.count)
        arenaCount += b.count
        starts[id + 1] = UInt32(truncatingIfNeeded: arenaCount)
        slots[slot] = tag | UInt64(id + 1)
        count += 1
        if count * 100 > capacity * 70 { grow() }
        return id
    }

    /// The bytes of entity `id`, as text (the bytes are valid UTF-8: ASCII on the fast path,
    /// a String's UTF-8 on the general one).
    func text(_ id: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: arena + Int(starts[id]), count: Int(starts[id + 1] - starts[id])), as: UTF8.self)
    }

    private mutating func grow() {
        let old = slots, oldCapacity = capacity
        capacity *= 2
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        for j in 0..<oldCapacity where old[j] != 0 {
            let id = Int(truncatingIfNeeded: old[j] & 0xFFFF_FFFF) - 1
            let h = Self.hash(UnsafeBufferPointer(start: arena + Int(starts[id]), count: Int(starts[id + 1] - starts[id])))
            var i = home(h)
            while slots[i] != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            slots[i] = old[j]
        }
        old.deallocate()
    }
}
