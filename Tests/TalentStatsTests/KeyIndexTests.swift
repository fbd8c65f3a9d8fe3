import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// The key index holds every key exactly, and where a key lands does not depend on the order keys
/// came in: sorted, reversed, re-inserted in another table's slot order (the order that made an
/// earlier design quadratic), one month or many.
@Suite struct KeyIndexTests {
    static let n = 30_000

    /// Inserts `keys` into a fresh table in the given order; checks every key is found with its
    /// own value, line and file; returns the mean and largest displacement from the home slot.
    func fill(_ keys: [UInt32]) -> (table: MonthKeys, mean: Double, largest: Int) {
        let table = MonthKeys()
        var wrong = 0
        for (i, k) in keys.enumerated() {
            if table.find(k) != nil { wrong += 1 }
            table.insert(k, value: FixedDecimal(units: Int128(k) * 10_000_000), file: UInt16(i % 7), line: k &* 3)
        }
        #expect(table.count == keys.count)
        for k in keys {
            guard let slot = table.find(k), table.key(at: slot) == k, table.line(at: slot) == Int(k &* 3),
                table.value(at: slot) == FixedDecimal(units: Int128(k) * 10_000_000)
            else {
                wrong += 1
                continue
            }
        }
        #expect(wrong == 0, "keys found before insertion or not found with their own value and line after")
        let d = table.displacement()
        return (table, Double(d.total) / Double(keys.count), d.largest)
    }

    @Test func probeLengthsAreShortInEveryOrder() {
        // Dense keys as the index packs them: entity × metrics × districts, one month.
        let dense = (1...UInt32(Self.n)).map { $0 }
        var random = SystemRandomNumberGenerator()
        let orders: [(String, [UInt32])] = [
            ("sorted", dense),
            ("reverse", dense.reversed()),
            ("shuffled", dense.shuffled(using: &random)),
            ("strided", (0..<UInt32(Self.n)).map { ($0 &* 7) % UInt32(Self.n) + 1 }),
        ]
        var slotOrder: [UInt32] = []
        for (name, keys) in orders {
            let (table, mean, largest) = fill(keys)
            // Linear probing at ≤ 87.5% load with a well-mixed home: a mean displacement of a few
            // slots, never hundreds (a clustering hash gives thousands here).
            #expect(mean < 4, "\(name): mean displacement \(mean)")
            #expect(largest < 400, "\(name): largest displacement \(largest)")
            if name == "shuffled" { table.forEachSlot { slotOrder.append(table.key(at: $0)) } }
        }
        // Re-inserted in the slot order of a full table (into a table that grows from small).
        let (_, mean, largest) = fill(slotOrder)
        #expect(mean < 4, "slot order: mean displacement \(mean)")
        #expect(largest < 400, "slot order: largest displacement \(largest)")
    }

    @Test func valuesThatAreNotHundredthsAreKeptWhole() {
        let table = MonthKeys()
        let values: [FixedDecimal] = [
            FixedDecimal(units: 1), FixedDecimal(units: 123_456_789), FixedDecimal.maxInputMagnitude,
            FixedDecimal(units: Int128(Int32.max) * 10_000_000 + 10_000_000),
            FixedDecimal(units: 21_474_836_470_000_000),
        ]
        for (i, v) in values.enumerated() { table.insert(UInt32(i + 1), value: v, file: 0, line: UInt32(i)) }
        for (i, v) in values.enumerated() { #expect(table.value(at: table.find(UInt32(i + 1))!) == v) }
    }

    @Test func theInternerGivesOneIdPerEntityExactly() {
        let interner = EntityInterner()
        var ids: [String: Int] = [:]
        // Entities that share a hash prefix, a slot prefix (23 bytes), or differ only past it.
        let base = String(repeating: "9", count: 23)
        let entities =
            // 150,000: past the sizes where the table stops doubling and grows by half.
            (0..<150_000).map { "91441900\(String(format: "%010d", $0))" } + [
                "", "a", base, base + "x", base + "y", base + "xy",
            ]
        for e in entities + entities.reversed() {
            let id = Array(e.utf8).withUnsafeBufferPointer { interner.table.intern($0) }
            if let known = ids[e] { #expect(known == id, "\(e)") } else { ids[e] = id }
            #expect(interner.text(id) == e)
        }
        #expect(Set(ids.values).count == ids.count)
        #expect(ids[""] == 0)
        #expect(interner.count == ids.count)
        // 32 bytes a slot at most 70% full and never under 46% once grown, plus each entity's bytes.
        #expect(interner.bytes < ids.count * (69 + 18) && interner.bytes > ids.count * 46)
    }
}

/// The memory the key check holds depends on the distinct keys, not on how the rows came: the
/// same rows in one file or spread over many, in any order, months first or districts first.
@Suite struct KeyMemoryTests {
    let reference = Fixtures.reference
    let report = YearMonth(year: 2024, month: 12)!

    func rows(months: Int, entities: Int) -> [String] {
        var rows: [String] = []
        for m in 0..<months {
            let month = YearMonth(ordinal: report.ordinal - months + 1 + m)!
            for e in 0..<entities { rows.append("\(month),\(["甲", "乙"][e % 2]),people,\(e % 97),,E\(e)") }
        }
        return rows
    }

    func indexBytes(_ files: [[String]]) throws -> (bytes: Int, keys: Int, data: ValidatedData) {
        let tmp = try TemporaryFolder()
        var validator = Validator(reference: reference, reportPeriod: report)
        for (index, rows) in files.enumerated() {
            let url = try tmp.write(
                String(format: "raw/%03d.csv", index),
                "period,district,metric,value,unit,entity\n" + rows.joined(separator: "\n") + "\n")
            Intake.read(InputFile(index: index, relativePath: url.lastPathComponent, url: url), into: &validator)
        }
        let data = validator.finish()
        return (data.accepted.bytes, data.distinctKeys, data)
    }

    @Test func memoryDependsOnDistinctKeysOnly() throws {
        let all = rows(months: 12, entities: 20_000)
        var random = SystemRandomNumberGenerator()
        let shapes: [(String, [[String]])] = [
            ("one file, month by month", [all]),
            ("one file, shuffled", [all.shuffled(using: &random)]),
            ("twelve files", stride(from: 0, to: all.count, by: 20_000).map { Array(all[$0..<$0 + 20_000]) }),
            (
                "twelve files, latest first",
                stride(from: 0, to: all.count, by: 20_000).map { Array(all[$0..<$0 + 20_000]) }.reversed()
            ),
            ("a file and its full resubmission", [all, all]),
        ]
        var sizes: [String: Int] = [:]
        for (name, files) in shapes {
            let (bytes, keys, data) = try indexBytes(files)
            #expect(keys == 240_000, "\(name)")
            #expect(data.totals.balances, "\(name)")
            sizes[name] = bytes
            // Documented in docs/performance.md: 16–24 bytes a key in the tables plus the entities.
            #expect(Double(bytes) / Double(keys) < 32, "\(name): \(Double(bytes) / Double(keys)) bytes a key")
        }
        #expect(Set(sizes.values).count == 1, "\(sizes)")
    }
}

/// Division by multiplication gives what the divide instruction gives: every divisor from 1 to 600
/// and a few large ones, on random 32-bit numbers and the edges (0, 1, multiples of the divisor and
/// their neighbours, 2³² − 1).
@Suite struct DivisorTests {
    @Test func dividesAsTheInstructionDoes() {
        var rng = SeededGenerator(state: 17)
        for d in Array(1...600) + [65_535, 65_536, 1 << 24, Int(UInt32.max) - 1, Int(UInt32.max)] {
            let divisor = Divisor(d)
            var numbers: [UInt32] = [0, 1, UInt32.max, UInt32.max - 1, UInt32(d - 1), UInt32(d)]
            for _ in 0..<400 { numbers.append(UInt32(truncatingIfNeeded: rng.next())) }
            for k in [1, 2, 3, 1000] where UInt64(d) * UInt64(k) < UInt64(UInt32.max) {
                numbers += [UInt32(d * k - 1), UInt32(d * k), UInt32(d * k + 1)]
            }
            for n in numbers {
                let (q, r) = divisor.divide(n)
                #expect(q == n / UInt32(d) && r == n % UInt32(d), "\(n) / \(d)")
            }
        }
    }
}
