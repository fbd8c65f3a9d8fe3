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
/// 12 bytes a slot (a 64-bit fingerprint, a 32-bit observation number), linear probing, grown by
/// half when 85% full: about 17 bytes per distinct key. Two keys may share a fingerprint; the
/// caller verifies a match against the actual row before treating it as the same key.
final class FingerprintTable {
    private(set) var capacity: Int
    private(set) var count = 0
    private var fingerprints: UnsafeMutablePointer<UInt64>
    private var payloads: UnsafeMutablePointer<UInt32>

    init(capacity: Int = 1024) {
        self.capacity = max(16, capacity)
        fingerprints = .allocate(capacity: self.capacity)
        fingerprints.initialize(repeating: 0, count: self.capacity)
        payloads = .allocate(capacity: self.capacity)
        payloads.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        fingerprints.deallocate()
        payloads.deallocate()
    }

    var bytes: Int { capacity * 12 }

    @inline(__always)
    private func home(_ fingerprint: UInt64) -> Int {
        Int(truncatingIfNeeded: fingerprint.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// Calls `isSame` for each slot holding `fingerprint` until it returns true; returns that slot.
    @inline(__always)
    func find(_ fingerprint: UInt64, isSame: (UInt32) -> Bool) -> Int? {
        var i = home(fingerprint)
        while true {
            let f = fingerprints[i]
            if f == 0 { return nil }
            if f == fingerprint && isSame(payloads[i]) { return i }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    func payload(at slot: Int) -> UInt32 { payloads[slot] }
    func setPayload(_ payload: UInt32, at slot: Int) { payloads[slot] = payload }

    @inline(__always)
    func insert(_ fingerprint: UInt64, _ payload: UInt32) {
        if (count + 1) * 100 > capacity * 85 { grow() }
        var i = home(fingerprint)
        while fingerprints[i] != 0 {
            i += 1
            if i == capacity { i = 0 }
        }
        fingerprints[i] = fingerprint
        payloads[i] = payload
        count += 1
    }

    private func grow() {
        let oldCapacity = capacity, oldF = fingerprints, oldP = payloads
        capacity = capacity + capacity / 2
        fingerprints = .allocate(capacity: capacity)
        fingerprints.initialize(repeating: 0, count: capacity)
        payloads = .allocate(capacity: capacity)
        payloads.initialize(repeating: 0, count: capacity)
        count = 0
        for i in 0..<oldCapacity where oldF[i] != 0 { insert(oldF[i], oldP[i]) }
        oldF.deallocate()
        oldP.deallocate()
    }
}

/// Exact sums per month × district × metric, with how many observations each holds.
public final class MonthlySums: @unchecked Sendable {
    final class Month {
        var units: [Int128]
        var counts: [Int32]
        init(cells: Int) {
            units = Array(repeating: 0, count: cells)
            counts = Array(repeating: 0, count: cells)
        }
    }

    let districts: Int
    let metrics: Int
    private(set) var months: [Int: Month] = [:]
    private var lastOrdinal = Int.min
    private var last: Month?

    init(districts: Int, metrics: Int) {
        self.districts = districts
        self.metrics = metrics
    }

    @inline(__always)
    private func month(_ ordinal: Int) -> Month {
        if ordinal == lastOrdinal, let last { return last }
        let m: Month
        if let existing = months[ordinal] { m = existing } else {
            m = Month(cells: districts * metrics)
            months[ordinal] = m
        }
        lastOrdinal = ordinal
        last = m
        return m
    }

    @inline(__always)
    func add(_ value: FixedDecimal, month ordinal: Int, district: Int, metric: Int) {
        let m = month(ordinal)
        let cell = district * metrics + metric
        m.units[cell] += value.units
        m.counts[cell] += 1
    }

    func subtract(_ value: FixedDecimal, month ordinal: Int, district: Int, metric: Int) {
        let m = month(ordinal)
        let cell = district * metrics + metric
        m.units[cell] -= value.units
        m.counts[cell] -= 1
    }

    /// The sum for a cell, or `nil` when no accepted observation is in it.
    public func value(month: YearMonth, district: Int, metric: Int) -> FixedDecimal? {
        guard let m = months[month.ordinal] else { return nil }
        let cell = district * metrics + metric
        return m.counts[cell] > 0 ? FixedDecimal(units: m.units[cell]) : nil
    }

    /// Months with at least one accepted observation.
    public var monthsWithData: [YearMonth] {
        months.filter { $0.value.counts.contains { $0 > 0 } }.keys.sorted().compactMap(YearMonth.init(ordinal:))
    }
}
