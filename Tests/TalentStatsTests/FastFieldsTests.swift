import Testing

@testable import TalentStats

/// The byte-level fast paths agree with their plain definitions.
@Suite struct FastFieldsTests {
    /// Printable ASCII with no space at either end, byte by byte: the definition the eight-bytes-
    /// at-a-time check must give.
    static func plainIsCleanASCII(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return true }
        return first != 0x20 && last != 0x20 && bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    @Test func cleanASCIIAgreesWithItsDefinitionOnEveryByteInEveryPosition() {
        // Every byte value at every position of clean entities of lengths 1–40.
        for length in 1...40 {
            let clean = [UInt8]((0..<length).map { UInt8(0x41 + $0 % 26) })
            for position in 0..<length {
                for byte in 0...255 {
                    var bytes = clean
                    bytes[position] = UInt8(byte)
                    let fast = bytes.withUnsafeBufferPointer(FastFields.isCleanASCII)
                    #expect(fast == Self.plainIsCleanASCII(bytes), "\(bytes)")
                }
            }
        }
    }

    @Test func cleanASCIIOnRandomBytes() {
        var rng = SeededGenerator(state: 3)
        let pool: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x7E, 0x7F, 0x80, 0xFE, 0xFF, 0x41, 0x39]
        for _ in 0..<20_000 {
            let bytes = (0..<Int(rng.next() % 30)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            #expect(bytes.withUnsafeBufferPointer(FastFields.isCleanASCII) == Self.plainIsCleanASCII(bytes))
        }
    }
}

/// The exact-bytes lookup finds every spelling it holds and nothing that differs from one in any
/// byte (the comparison goes eight bytes at a time, then byte by byte).
@Suite struct ByteLookupTests {
    @Test func findsEachSpellingAndNoNeighbour() {
        let spellings = [
            "441900003", "441900125", "talent_headcount", "new_skilled_workers", "人才总量", "a", "",
            "exactly8", "exactly8!", "sixteen-bytes-16", "twenty-four-bytes-long!!",
        ]
        let lookup = ByteLookup(spellings.enumerated().map { ($1, $0) })
        for (i, text) in spellings.enumerated() {
            let bytes = Array(text.utf8)
            #expect(lookup.lookup(bytes) == i, "\(text)")
            for position in bytes.indices {
                var changed = bytes
                changed[position] ^= 0x01
                if !spellings.contains(where: { Array($0.utf8) == changed }) {
                    #expect(lookup.lookup(changed) == nil, "\(text) changed at \(position)")
                }
            }
            if !bytes.isEmpty {
                #expect(
                    lookup.lookup(Array(bytes.dropLast()))
                        == spellings.firstIndex(of: String(decoding: bytes.dropLast(), as: UTF8.self)))
            }
        }
    }
}
