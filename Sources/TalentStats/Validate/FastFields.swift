import Foundation

/// Byte-level fast paths for the common spellings of each field. Each returns `nil` whenever the
/// bytes are anything but the plain canonical form; the caller then falls back to the general
/// rules in ``FieldRules`` (on decoded text), which give the same result for everything these
/// accept and the reason code for everything else.
enum FastFields {
    static let powersOfTen: [Int64] = (0...18).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }

    /// `YYYY-MM` exactly.
    @inline(__always)
    static func period(_ b: UnsafeBufferPointer<UInt8>) -> YearMonth? {
        guard b.count == 7, b[4] == 0x2D else { return nil }
        var year = 0
        for i in 0..<4 {
            let d = Int(b[i]) &- 48
            guard d >= 0 && d <= 9 else { return nil }
            year = year * 10 + d
        }
        let m1 = Int(b[5]) &- 48
        let m2 = Int(b[6]) &- 48
        guard m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9 else { return nil }
        return YearMonth(year: year, month: m1 * 10 + m2)
    }

    /// Digits with at most one `.` followed by 1–9 digits; at most 13 integer digits.
    @inline(__always)
    static func number(_ b: UnsafeBufferPointer<UInt8>) -> FixedDecimal? {
        let n = b.count
        guard n > 0 else { return nil }
        var integer: Int64 = 0
        var i = 0
        while i < n {
            let d = Int64(b[i]) &- 48
            if d < 0 || d > 9 { break }
            integer = integer &* 10 &+ d
            i += 1
        }
        guard i > 0, i <= 13 else { return nil }
        var fraction: Int64 = 0
        var places = 0
        if i < n {
            guard b[i] == 0x2E else { return nil }
            i += 1
            while i < n {
                let d = Int64(b[i]) &- 48
                guard d >= 0 && d <= 9 else { return nil }
                fraction = fraction &* 10 &+ d
                places += 1
                i += 1
            }
            guard places >= 1 && places <= FixedDecimal.scale else { return nil }
        }
        // At most 13 integer digits and 9 decimals: the scaled fraction fits an Int64, and only the
        // integer part needs 128 bits.
        let value = FixedDecimal(
            units: Int128(integer) * FixedDecimal.unit + Int128(fraction &* powersOfTen[FixedDecimal.scale - places]))
        return value <= FixedDecimal.maxInputMagnitude ? value : nil
    }

    /// Printable ASCII with no space at either end: what ``TextNormalization/clean(_:)`` leaves as is.
    @inline(__always)
    static func isCleanASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = b.first, let last = b.last, first != 0x20, last != 0x20 else { return b.isEmpty }
        let raw = UnsafeRawPointer(b.baseAddress!)
        let n = b.count
        var i = 0
        // Eight bytes at a time: a byte below 0x20 sets its high bit in `below` (a borrow only
        // reaches bytes above one that is already below); a byte of 0x7F or more sets it in `above`
        // (its own high bit, or that of the byte plus one; a carry only leaves a byte of 0xFF).
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let below = (w &- 0x2020_2020_2020_2020) & ~w
            let above = w | (w &+ 0x0101_0101_0101_0101)
            if (below | above) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            let byte = b[i]
            if byte < 0x20 || byte > 0x7E { return false }
            i += 1
        }
        return true
    }

    /// Whether a cell is empty after trimming (white space, the ideographic space, a BOM). Quick
    /// for the usual case of a first byte that is none of those.
    @inline(__always)
    static func isBlank(_ b: UnsafeBufferPointer<UInt8>, _ encoding: TextEncoding) -> Bool {
        guard let first = b.first else { return true }
        // Printable ASCII first: not blank. Anything else (a control, a space, or a non-ASCII byte
        // that may start NBSP, U+3000 or another Unicode space) is decided by the general rule.
        if first > 0x20 && first < 0x7F { return false }
        return TextNormalization.clean(encoding.decode(Array(b)) ?? "x").isEmpty
    }
}

/// Exact-bytes lookup of a few hundred spellings (district codes and names, metric ids and names,
/// units) to an index, with no allocation per lookup.
///
/// Open addressing at most 25% full, placed by a quick hash of the length and the first and last
/// eight bytes (one multiply: the spellings are short and few, and they come from the reference
/// data, not from the input); spellings that share those bytes sit in one probe chain and are told
/// apart by their bytes, which every hit compares whole.
struct ByteLookup: Sendable {
    /// One spelling: its hash, where its bytes are in the pool, and its value.
    private struct Entry: Sendable {
        var hash: UInt64
        var start: Int32
        var count: Int32
        var value: Int
    }
    private var slots: [Int32]  // entry number, or -1
    private var entries: [Entry] = []
    private var pool: [UInt8] = []
    /// 64 − log₂(slot count): the hash's high bits pick the home slot.
    private let shift: UInt64

    init(_ spellings: [(String, Int)]) {
        var bits = 6
        while 1 << bits < spellings.count * 4 { bits += 1 }
        shift = UInt64(64 - bits)
        slots = Array(repeating: -1, count: 1 << bits)
        for (text, value) in spellings {
            let bytes = Array(text.utf8)
            if lookup(bytes) != nil { continue }  // the first spelling wins
            let h = bytes.withUnsafeBufferPointer(Self.hash)
            var i = Int(truncatingIfNeeded: h >> shift)
            while slots[i] >= 0 { i = (i + 1) & (slots.count - 1) }
            slots[i] = Int32(entries.count)
            entries.append(Entry(hash: h, start: Int32(pool.count), count: Int32(bytes.count), value: value))
            pool.append(contentsOf: bytes)
        }
    }

    /// The length and the first and last eight bytes (four, or three single bytes, when shorter),
    /// multiplied into 64 bits whose high bits depend on every bit of them.
    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = b.count
        guard let base = b.baseAddress, n > 0 else { return 0x9E37_79B9_7F4A_7C15 }
        let raw = UnsafeRawPointer(base)
        let head: UInt64
        let tail: UInt64
        if n >= 8 {
            head = raw.loadUnaligned(as: UInt64.self)
            tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            head = UInt64(raw.loadUnaligned(as: UInt32.self))
            tail = UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else {
            head = UInt64(base[0]) | UInt64(base[n >> 1]) << 8 | UInt64(base[n - 1]) << 16
            tail = 0
        }
        let x = (head ^ UInt64(truncatingIfNeeded: n) << 56) &* 0x9E37_79B9_7F4A_7C15 ^ tail
        return x &* 0xC2B2_AE3D_27D4_EB4F
    }

    /// Whether `count` bytes at `a` and `b` are the same: eight bytes at a time, the last eight (or
    /// four) overlapping the ones before (the spellings are short: a call to `memcmp` costs more).
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let x = UnsafeRawPointer(a)
        let y = UnsafeRawPointer(b)
        if count >= 8 {
            var i = 0
            while i + 8 < count {
                if x.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    != y.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                {
                    return false
                }
                i += 8
            }
            return x.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == y.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
                && x.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                    == y.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        var i = 0
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    func lookup(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { lookup($0) } }

    @inline(__always)
    func lookup(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(b)
        return slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                let mask = slots.count - 1
                var i = Int(truncatingIfNeeded: h >> shift)
                while true {
                    let e = Int(slots[i])
                    if e < 0 { return nil }
                    let entry = entries[e]
                    if entry.hash == h && Int(entry.count) == b.count {
                        let same = pool.withUnsafeBufferPointer { pool in
                            b.count == 0 || Self.equal(pool.baseAddress! + Int(entry.start), b.baseAddress!, b.count)
                        }
                        if same { return entry.value }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }
}
