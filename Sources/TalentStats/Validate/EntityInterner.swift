import CCacheHint
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

    /// Gives back the table's memory, leaving an empty one (``KeyIndex/discard()``).
    func discard() {
        table.deallocate()
        table = EntityTable()
    }

    /// Distinct entities, the empty one included.
    var count: Int { table.count }
    var bytes: Int { table.bytes }
    func text(_ id: Int) -> String { table.text(id) }
}

/// The interner's memory: open addressing over 32-byte slots, each the high 32 bits of the bytes'
/// hash with the id + 1, the length and the first 23 bytes of the entity (an 18-character credit
/// code is held whole in its slot, so a lookup is one cache line); longer entities keep the rest
/// in an arena. The table doubles while small and grows by half once large, before it is 70% full:
/// 46–69 bytes a distinct entity (32 bytes a slot at 47–70% load, plus its bytes and their start).
/// A plain view of memory that ``EntityInterner`` owns.
struct EntityTable {
    /// Four words a slot: tag and id; then length and the first 23 bytes.
    private var slots: UnsafeMutablePointer<UInt64>
    private var capacity = 1024
    /// The bytes of every entity, in id order: entity i's are `arena[starts[i] ..< starts[i + 1]]`.
    private var starts: UnsafeMutablePointer<UInt32>
    private var startsCapacity = 1024
    private(set) var count = 1
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity = 1 << 16
    private var arenaCount = 0

    /// Bytes of an entity held in its slot.
    static let inline = 23

    init() {
        slots = .allocate(capacity: capacity * 4)
        slots.initialize(repeating: 0, count: capacity * 4)
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

    var bytes: Int { capacity * 32 + startsCapacity * 4 + arenaCapacity }

    /// An entity's hash and the three words its slot holds after the tag (length, first 23 bytes).
    struct Probe {
        var hash: UInt64
        var w1: UInt64, w2: UInt64, w3: UInt64
    }

    @inline(__always)
    static func probe(_ b: UnsafeBufferPointer<UInt8>) -> Probe {
        var words: (UInt64, UInt64, UInt64) = (UInt64(min(b.count, 255)), 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            let n = min(b.count, inline)
            if n > 0 { raw.baseAddress!.advanced(by: 1).copyMemory(from: b.baseAddress!, byteCount: n) }
        }
        return Probe(hash: hash(b), w1: words.0, w2: words.1, w3: words.2)
    }

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

    /// The home slot: the hash's high 32 bits (the slot's tag) scaled to the capacity, so that a
    /// table grows from its slots alone (no entity's bytes are read again), and the slots of the
    /// old table, taken in order, land in the new one in order.
    @inline(__always)
    private func home(_ h: UInt64) -> Int { Self.home(tag: h >> 32, capacity: capacity) }

    @inline(__always)
    private static func home(tag: UInt64, capacity: Int) -> Int {
        Int(truncatingIfNeeded: (tag &* UInt64(capacity)) >> 32)
    }

    /// Starts loading the home slot of a probe, so that a later ``intern(_:_:)`` finds it in cache.
    @inline(__always)
    func prefetch(_ p: Probe) { cache_hint_prefetch(slots + home(p.hash) * 4) }

    /// The id of `bytes`, added when new.
    @inline(__always)
    mutating func intern(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        if b.isEmpty { return 0 }
        return intern(b, Self.probe(b))
    }

    @inline(__always)
    mutating func intern(_ b: UnsafeBufferPointer<UInt8>, _ p: Probe) -> Int {
        if b.isEmpty { return 0 }
        let tag = p.hash & 0xFFFF_FFFF_0000_0000
        var i = home(p.hash)
        while true {
            let s = slots + i * 4
            if s[0] == 0 { break }
            if s[0] & 0xFFFF_FFFF_0000_0000 == tag, s[1] == p.w1, s[2] == p.w2, s[3] == p.w3 {
                let id = Int(truncatingIfNeeded: s[0] & 0xFFFF_FFFF) - 1
                if b.count <= Self.inline || restEquals(id, b) { return id }
            }
            i += 1
            if i == capacity { i = 0 }
        }
        return add(b, p, slot: i)
    }

    private func restEquals(_ id: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(starts[id])
        let end = Int(starts[id + 1])
        return end - start == b.count && memcmp(arena + start, b.baseAddress!, b.count) == 0
    }

    private mutating func add(_ b: UnsafeBufferPointer<UInt8>, _ p: Probe, slot: Int) -> Int {
        let id = count
        if arenaCount + b.count > arenaCapacity {
            let newCapacity = max(arenaCapacity * 2, arenaCount + b.count)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = grown
            arenaCapacity = newCapacity
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
        let s = slots + slot * 4
        s[0] = p.hash & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1)
        s[1] = p.w1
        s[2] = p.w2
        s[3] = p.w3
        count += 1
        if count * 100 > capacity * 70 { grow() }
        return id
    }

    /// The bytes of entity `id`, as text (the bytes are valid UTF-8: ASCII on the fast path,
    /// a String's UTF-8 on the general one).
    func text(_ id: Int) -> String {
        String(
            decoding: UnsafeBufferPointer(start: arena + Int(starts[id]), count: Int(starts[id + 1] - starts[id])),
            as: UTF8.self)
    }

    private mutating func grow() {
        let old = slots
        let oldCapacity = capacity
        capacity = capacity < 1 << 16 ? capacity * 2 : capacity + capacity / 2
        slots = .allocate(capacity: capacity * 4)
        slots.initialize(repeating: 0, count: capacity * 4)
        for j in 0..<oldCapacity where old[j * 4] != 0 {
            var i = Self.home(tag: old[j * 4] >> 32, capacity: capacity)
            while slots[i * 4] != 0 {
                i += 1
                if i == capacity { i = 0 }
            }
            (slots + i * 4).update(from: old + j * 4, count: 4)
        }
        old.deallocate()
    }
}
