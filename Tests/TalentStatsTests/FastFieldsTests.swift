import Foundation
import TestSupport
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

/// The exact-bytes lookup answers what a dictionary of the same spellings answers: the reference
/// data's own spellings, random byte strings of every length from 0 to 40, and spellings built to
/// share their length and first and last eight bytes (the same hash: told apart by their bytes).
@Suite struct ByteLookupDictionaryTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func answersWhatADictionaryAnswers(seed: UInt64) throws {
        var rng = SeededGenerator(state: 90 + seed)
        func randomBytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in [0x30, 0x41, 0x61, 0xE4, 0xB8, 0x9C, 0x5F][Int(rng.next() % 7)] }
        }
        var spellings: [[UInt8]] = []
        let reference = try ReferenceData.load(from: Binary.packageRoot.appendingPathComponent("input/reference"))
        for d in reference.districts { spellings += [d.code, d.name, d.shortName].map { Array($0.utf8) } }
        for m in reference.metrics { spellings += [m.id, m.nameZh, m.nameEn].map { Array($0.utf8) } }
        for _ in 0..<60 { spellings.append(randomBytes(Int(rng.next() % 41))) }
        // Same length, first and last eight bytes; a different middle.
        for k in 0..<12 {
            spellings.append(Array("ABCDEFGH".utf8) + [UInt8(0x30 + k), 0x2D] + Array("12345678".utf8))
        }
        var expected: [[UInt8]: Int] = [:]
        for (i, bytes) in spellings.enumerated() where expected[bytes] == nil { expected[bytes] = i }
        let lookup = ByteLookup(spellings.enumerated().map { (String(decoding: $1, as: UTF8.self), $0) })
        // Built from Strings: a random spelling that is not valid UTF-8 is held by its repaired bytes.
        var held: [[UInt8]: Int] = [:]
        for (i, bytes) in spellings.enumerated() {
            let repaired = Array(String(decoding: bytes, as: UTF8.self).utf8)
            if held[repaired] == nil { held[repaired] = i }
        }
        for (bytes, i) in held { #expect(lookup.lookup(bytes) == i, "\(bytes)") }
        var probes = Array(held.keys)
        for _ in 0..<3000 { probes.append(randomBytes(Int(rng.next() % 41))) }
        for bytes in held.keys where !bytes.isEmpty {
            var changed = bytes
            changed[Int(rng.next() % UInt64(bytes.count))] ^= 0x04
            probes.append(changed)
            probes.append(Array(bytes.dropFirst()))
            probes.append(bytes + [0x30])
        }
        for bytes in probes { #expect(lookup.lookup(bytes) == held[bytes], "\(bytes)") }
        #expect(expected.count > 100)
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
