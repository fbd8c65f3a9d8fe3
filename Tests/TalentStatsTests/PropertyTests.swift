import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// A seeded generator (SplitMix64): every run of a property sees the same cases, and a failure
/// names its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Properties of aggregation that must hold for any valid input, checked on random observations
/// written to real files and read through the real pipeline stages.
@Suite struct AggregationPropertyTests {
    static let seeds: [UInt64] = Array(1...25)
    let reference = Fixtures.reference
    let report = YearMonth(year: 2024, month: 6)!
    let header = "period,district,metric,value,unit,entity"

    /// Random valid rows: 3 districts, 2 metrics, 2023-01..2024-06, district totals or a few
    /// entities, gaps.
    func rows(_ seed: UInt64) -> [String] {
        var rng = SeededGenerator(state: seed)
        var rows: [String] = []
        for ordinal in YearMonth(year: 2023, month: 1)!.ordinal...report.ordinal {
            let month = YearMonth(ordinal: ordinal)!
            for district in reference.districts where Int.random(in: 0..<10, using: &rng) > 0 {
                for metric in reference.metrics where Int.random(in: 0..<8, using: &rng) > 0 {
                    // A cell is a district total or entities, never both (they are not summed).
                    let kinds = Int.random(in: 1...3, using: &rng)
                    for entity in kinds == 1 ? [""] : Array(["E1", "E2"].prefix(kinds - 1)) {
                        let value =
                            metric.integer
                            ? "\(Int.random(in: 0...5000, using: &rng))"
                            : "\(Int.random(in: 0...99999, using: &rng)).\(Int.random(in: 0...99, using: &rng))"
                        rows.append("\(month),\(district.code),\(metric.id),\(value),,\(entity)")
                    }
                }
            }
        }
        return rows
    }

    /// Writes `files` under a fresh raw folder and runs ingest, validation and aggregation.
    func compute(_ files: [[String]]) throws -> (ValidatedData, Aggregates) {
        let tmp = try TemporaryFolder()
        var validator = Validator(reference: reference, reportPeriod: report)
        for (index, rows) in files.enumerated() {
            let url = try tmp.write(
                String(format: "raw/%03d.csv", index), ([header] + rows).joined(separator: "\n") + "\n")
            let file = InputFile(index: index, relativePath: url.lastPathComponent, url: url)
            Intake.read(file, into: &validator)
        }
        let data = validator.finish()
        return (data, Aggregator.aggregate(data))
    }

    func decimal(_ v: AggregateValue?) -> FixedDecimal? {
        switch v {
        case .amount(let d)?, .ratio(let d)?: d
        case .count(let n)?: FixedDecimal(n)
        case nil: nil
        }
    }

    @Test(arguments: seeds)
    func cityIsTheSumOfDistrictsAndFlowsAddUp(seed: UInt64) throws {
        let (data, a) = try compute([rows(seed)])
        #expect(data.totals.balances)
        let city = reference.city.code
        for month in data.sums.monthsWithData {
            for metric in reference.metrics {
                let parts = reference.districts.compactMap {
                    decimal(a.value(month.description, $0.code, metric.id, .month))
                }
                let expected = parts.isEmpty ? nil : parts.reduce(FixedDecimal.zero, +)
                #expect(
                    decimal(a.value(month.description, city, metric.id, .month)) == expected,
                    "seed \(seed) \(month) \(metric.id)")
            }
        }
        for year in [2023, 2024] {
            let last = YearMonth(year: year, month: year == report.year ? report.month : 12)!
            for unit in [city] + reference.districts.map(\.code) {
                let flow = "export"
                let months = (1...last.month).compactMap {
                    decimal(a.value(YearMonth(year: year, month: $0)!.description, unit, flow, .month))
                }
                guard !months.isEmpty else { continue }
                #expect(
                    decimal(a.value(String(year), unit, flow, .annual)) == months.reduce(FixedDecimal.zero, +),
                    "seed \(seed) \(year) \(unit)")
                #expect(
                    decimal(a.value(last.description, unit, flow, .ytd)) == months.reduce(FixedDecimal.zero, +),
                    "seed \(seed) \(year) \(unit)")
            }
        }
    }

    @Test(arguments: seeds)
    func sharesSumToOneAndRanksAreCompetitionRanks(seed: UInt64) throws {
        let (data, a) = try compute([rows(seed)])
        for month in data.sums.monthsWithData {
            for metric in reference.metrics {
                let ytds = reference.districts.map { decimal(a.value(month.description, $0.code, metric.id, .ytd)) }
                let shares = reference.districts.compactMap {
                    decimal(a.value(month.description, $0.code, metric.id, .share))
                }
                let cityYTD = decimal(a.value(month.description, reference.city.code, metric.id, .ytd))
                if ytds.allSatisfy({ $0 != nil }), let cityYTD, !cityYTD.isZero {
                    let total = shares.reduce(FixedDecimal.zero, +)
                    // Each share is rounded to 6 decimals: the sum is within half a unit per district.
                    #expect(
                        (total - FixedDecimal(1)).magnitude
                            <= FixedDecimal(units: FixedDecimal.unit / 2_000_000 * Int128(shares.count)),
                        "seed \(seed) \(month) \(metric.id): \(total)")
                }
                for (d, district) in reference.districts.enumerated() {
                    let rank = a.value(month.description, district.code, metric.id, .rank)
                    guard let mine = ytds[d] else {
                        #expect(rank == nil)
                        continue
                    }
                    let larger = ytds.compactMap { $0 }.filter { $0 > mine }.count
                    #expect(rank == .count(larger + 1), "seed \(seed) \(month) \(district.code)")
                }
            }
        }
    }

    @Test(arguments: seeds)
    func orderAndFileSplitDoNotMatter(seed: UInt64) throws {
        let original = rows(seed)
        var rng = SeededGenerator(state: seed ^ 0xABCDEF)
        let shuffled = original.shuffled(using: &rng)
        let parts = Int.random(in: 2...5, using: &rng)
        let split = (0..<parts).map { p in shuffled.enumerated().filter { $0.offset % parts == p }.map(\.element) }
        let (_, a) = try compute([original])
        let (data, b) = try compute(split)
        #expect(a.rows == b.rows, "seed \(seed)")
        #expect(data.totals.superseded == 0)
    }

    @Test(arguments: seeds)
    func resubmittingIdenticalValuesChangesNothing(seed: UInt64) throws {
        let original = rows(seed)
        var rng = SeededGenerator(state: seed ^ 0x123456)
        let again = original.filter { _ in Bool.random(using: &rng) }
        let (_, a) = try compute([original])
        let (data, b) = try compute([original, again])
        #expect(a.rows == b.rows, "seed \(seed)")
        #expect(data.totals.superseded == again.count)
        #expect(data.revisions.isEmpty && data.revisionCount == 0, "seed \(seed)")
        #expect(data.unchangedResubmissions == again.count, "seed \(seed)")
    }
}

/// Every input the fuzzer ever found failing stays a regression test.
@Suite struct FuzzRegressionTests {
    @Test func savedInputsBalance() throws {
        let folder = try Fixtures.folder("fuzz-regressions")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where !name.hasPrefix(".") {
            let data = AdversarialCorpusTests.run(folder.appendingPathComponent(name))
            #expect(data.totals.balances, "\(name)")
        }
    }
}

/// Reading a file on one thread while another checks it gives exactly what one thread gives.
@Suite struct ParallelReadTests {
    let reference = Fixtures.reference
    let report = YearMonth(year: 2024, month: 6)!

    func run(_ files: [String], parallel: Bool) throws -> (ValidatedData, Aggregates) {
        let tmp = try TemporaryFolder()
        let limits = IngestLimits(maxRecordBytes: 1 << 20, maxFileBytes: 1 << 30, parallelMinBytes: parallel ? 1 : .max)
        var validator = Validator(reference: reference, reportPeriod: report, limits: limits)
        for (index, text) in files.enumerated() {
            let url = try tmp.write(String(format: "%03d.csv", index), text)
            let file = InputFile(index: index, relativePath: url.lastPathComponent, url: url)
            Intake.read(file, into: &validator)
        }
        let data = validator.finish()
        return (data, Aggregator.aggregate(data))
    }

    func same(_ files: [String], _ label: String, onTwoThreads: Bool = true) throws {
        let (s, a) = try run(files, parallel: false)
        let (p, b) = try run(files, parallel: true)
        #expect(a.rows == b.rows, "\(label)")
        #expect(s.files.map(\.accounting) == p.files.map(\.accounting), "\(label)")
        // Every field of every rejection, messages included (which earlier line a duplicate names).
        #expect(s.rejections == p.rejections, "\(label)")
        // The parallel path ran (on a machine with more than one core).
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            #expect(p.files.contains { $0.facts.readOnTwoThreads } == onTwoThreads, "\(label): read on two threads?")
            #expect(!s.files.contains { $0.facts.readOnTwoThreads })
        }
        // Every batch put through the field rules once, on whichever thread.
        #expect(s.files.map(\.facts.checks.total) == p.files.map(\.facts.checks.total), "\(label)")
        #expect(s.files.allSatisfy { $0.facts.checks.onReadingThread == 0 }, "\(label)")
        #expect(
            s.revisions.map { "\($0.new.file):\($0.new.line)<-\($0.old.file):\($0.old.line)" }
                == p.revisions.map { "\($0.new.file):\($0.new.line)<-\($0.old.file):\($0.old.line)" }, "\(label)")
    }

    @Test(arguments: AggregationPropertyTests.seeds)
    func randomFilesWithRepeatsAcrossTheMiddle(seed: UInt64) throws {
        let rows = AggregationPropertyTests().rows(seed)
        var rng = SeededGenerator(state: seed ^ 0x5EED)
        // Repeat some early rows late in the same file (duplicates far from their first line), add bad rows,
        // and resubmit some rows in a second file.
        var body = rows
        for _ in 0..<5 { body.append(rows[Int.random(in: 0..<rows.count, using: &rng)]) }
        body.insert("2024-13,100000001,people,1,,", at: body.count / 3)
        body.append("2024-02,100000009,people,1,,")
        body.append("2025-01,100000001,people,1,,X")
        body.append("2025-01,100000001,people,1,,X")
        let header = "period,district,metric,value,unit,entity\n"
        let resubmit =
            header + rows.filter { _ in Int.random(in: 0..<20, using: &rng) == 0 }.joined(separator: "\n") + "\n"
        try same(
            [
                header + body.joined(separator: "\n") + "\n", resubmit,
                header + body.reversed().joined(separator: "\r\n") + "\r\n",
            ], "seed \(seed)")
    }

    @Test func aLongQuotedFieldWithLineBreaksIsOneRecordOnEitherPath() throws {
        // A long quoted note with line breaks in it: one record, at its first line, on either path.
        let note = "\"" + String(repeating: "备注\n", count: 400) + "\""
        let text =
            "period,district,metric,value,note\n2024-01,甲,people,1,\(note)\n2024-02,甲,people,2,x\n2024-02,甲,people,3,y\n"
        try same([text], "quoted")
        let (data, _) = try run([text], parallel: true)
        #expect(data.rejections.map(\.line) == [404])
        #expect(data.totals == RowAccounting(read: 3, used: 2, rejected: 1, outOfScope: 0, superseded: 0))
    }

    /// A key on line 2, repeated twice late in the file: both repeats name line 2, as a read on one
    /// thread says (a read split into halves once named the second half's first occurrence).
    @Test func duplicatesInTheSecondHalfNameTheFirstOccurrence() throws {
        var text = "period,district,metric,value\n2024-01,甲,people,1\n"
        for m in 1...6 { for d in ["乙", "丙"] { text += "2024-0\(m),\(d),people,\(m)\n" } }
        text += String(repeating: "2024-02,甲,export,1\n2024-02,甲,export,1\n", count: 1)
        for m in 1...6 { for d in ["乙", "丙"] { text += "2024-0\(m),\(d),export,\(m)\n" } }
        text += "2024-01,甲,people,7\n2024-01,甲,people,8\n"
        try same([text], "late repeats")
        let (p, _) = try run([text], parallel: true)
        let messages = p.rejections.filter { $0.code == .duplicate }.map(\.message)
        #expect(messages.filter { $0.contains("from line 2 of this file") }.count == 2, "\(messages)")
    }

    /// A file of many batches (enterprises, 18 months, in random order), with repeats far apart
    /// and a resubmission of a tenth of it: the field rules of its batches are shared between the
    /// two threads, and the result is what one thread gives.
    @Test func manyBatchesWithRepeatsAndAResubmission() throws {
        var rng = SeededGenerator(state: 42)
        var rows: [String] = []
        for e in 0..<700 {
            for m in 0..<18 {
                let period = String(format: "%04d-%02d", 2023 + m / 12, m % 12 + 1)
                let district = ["甲", "乙", "丙"][e % 3]
                rows.append("\(period),\(district),people,\(rng.next() % 900),,E\(e)")
                rows.append("\(period),\(district),export,\(rng.next() % 900).\(rng.next() % 10),万元,E\(e)")
            }
        }
        rows.shuffle(using: &rng)
        var body = rows
        for _ in 0..<40 { body.append(rows[Int.random(in: 0..<rows.count / 4, using: &rng)]) }
        let header = "period,district,metric,value,unit,entity\n"
        // A tenth again, each value with a 0 after it (people ×10: a revision; 出口额 12.3 → 12.30: the same).
        let resubmit = rows.filter { _ in rng.next() % 10 == 0 }.map { row in
            var fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[3] += "0"
            return fields.joined(separator: ",")
        }
        try same(
            [header + body.joined(separator: "\n") + "\n", header + resubmit.joined(separator: "\n") + "\n"],
            "many batches")
        let (p, _) = try run([header + body.joined(separator: "\n") + "\n"], parallel: true)
        #expect(p.files[0].facts.checks.total >= 6, "\(p.files[0].facts.checks)")
        #expect(p.totals.rejected == 40)
    }

    @Test func wideLayout() throws {
        var text = "统计期,镇街,人员,出口额（亿元）\n"
        for m in 1...6 { for d in ["甲", "乙", "丙"] { text += "2024年\(m)月,\(d),\(m * 10),0.000\(m)\n" } }
        text += "2024年1月,甲,5,\n"
        try same([text], "wide")
    }
}
