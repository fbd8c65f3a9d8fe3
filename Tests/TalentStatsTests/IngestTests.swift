import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Scans `text` (or bytes) and returns the events as (line, fields) or (line, message).
func scan(_ bytes: [UInt8], maxRecordBytes: Int = 1 << 20, chunkSize: Int = 3) throws -> [CSVEvent] {
    var scanner = CSVScanner(source: MemoryByteSource(bytes), maxRecordBytes: maxRecordBytes, chunkSize: chunkSize)
    var events: [CSVEvent] = []
    while let e = try scanner.next() { events.append(e) }
    return events
}

func records(_ text: String, chunkSize: Int = 3) throws -> [(Int, [String])] {
    try scan(Array(text.utf8), chunkSize: chunkSize).map { event in
        guard case .record(let line, let fields) = event else { return (-1, ["malformed"]) }
        return (line, fields.map { String(decoding: $0, as: UTF8.self) })
    }
}

@Suite struct CSVScannerTests {
    @Test func quotingFollowsRFC4180() throws {
        // Chunks of 3 bytes put every state change across a chunk boundary.
        let r = try records("a,\"b,c\",\"say \"\"hi\"\"\",\"\"\nx,,z\n")
        #expect(r.map(\.1) == [["a", "b,c", "say \"hi\"", ""], ["x", "", "z"]])
        #expect(r.map(\.0) == [1, 2])
    }

    @Test(arguments: [1, 2, 3, 7, 4096])
    func lineNumbersArePhysicalAcrossEveryLineEnding(chunk: Int) throws {
        // LF, CRLF and a lone CR each end a line; blank lines are skipped but counted;
        // a quoted field spanning lines is reported at its first line.
        let text = "h1,h2\r\na,1\n\nb,\"multi\r\nline\"\rc,3\r\n\r\nd,4"
        let r = try records(text, chunkSize: chunk)
        #expect(r.map(\.0) == [1, 2, 4, 6, 8])
        #expect(r.map { $0.1[0] } == ["h1", "a", "b", "c", "d"])
        #expect(r[3].1 == ["c", "3"])
        #expect(r[2].1[1] == "multi\r\nline")
    }

    /// A quote closing the last field as the input's last byte closes it, whatever the chunk size
    /// (the read that finds the end of input moves the record to the front of the buffer first).
    @Test(arguments: [1, 2, 3, 4, 5, 7, 9, 4096])
    func aQuoteClosingTheLastFieldAtTheEndOfInput(chunk: Int) throws {
        #expect(try records("h\n\"x\"", chunkSize: chunk).map(\.1) == [["h"], ["x"]])
        #expect(try records("h,i\na,\"x\"", chunkSize: chunk).map(\.1) == [["h", "i"], ["a", "x"]])
        #expect(try records("h\n\"x\"\"\"", chunkSize: chunk).map(\.1) == [["h"], ["x\""]])
        #expect(try records("h\r\n\"x\"\r", chunkSize: chunk).map(\.1) == [["h"], ["x"]])
        #expect(try records("a,b,c\nd,e,f", chunkSize: chunk).map(\.1) == [["a", "b", "c"], ["d", "e", "f"]])
    }

    /// Records without quotes split at every comma, as a plain split of each line does, for any
    /// chunk size (the bounds noted while the record's end is found move with every refill).
    @Test func unquotedRecordsSplitAtEveryComma() throws {
        var rng = SeededGenerator(state: 7)
        let alphabet: [String] = ["a", "9", ",", ",", "人", "#", "+", " ", "-", "."]
        for _ in 0..<80 {
            var lines: [String] = []
            for _ in 0..<Int(rng.next() % 6 + 1) {
                var line = ""
                for _ in 0..<Int(rng.next() % 40 + 1) { line += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                lines.append(line)
            }
            let text = lines.joined(separator: ["\n", "\r\n", "\r"][Int(rng.next() % 3)])
            let expected = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            for chunk in [1, 2, 3, 8, 13, 4096] {
                #expect(try records(text, chunkSize: chunk).map(\.1) == expected, "\(text.debugDescription) \(chunk)")
            }
        }
    }

    @Test func unterminatedQuoteAtEndIsMalformedAtItsFirstLine() throws {
        let events = try scan(Array("h\nok\n\"never closed\nmore\n".utf8))
        #expect(events.count == 3)
        guard case .malformed(let line, let message) = events[2] else {
            Issue.record("expected malformed")
            return
        }
        #expect(line == 3)
        #expect(message.contains("unterminated"))
    }

    @Test func overlongRecordIsReportedWithoutKeepingIt() throws {
        let long = String(repeating: "x", count: 5000)
        let events = try scan(Array("h\n\(long)\nnext\n".utf8), maxRecordBytes: 1000, chunkSize: 64)
        #expect(events.count == 3)
        guard case .malformed(2, let message) = events[1] else {
            Issue.record("expected malformed at line 2")
            return
        }
        #expect(message.contains("1000"))
        guard case .record(3, let fields) = events[2] else {
            Issue.record("expected a record at line 3")
            return
        }
        #expect(fields == [Array("next".utf8)])
    }

    @Test func strayQuotesInsideUnquotedFieldsAreKept() throws {
        #expect(try records("5\"3,\"ab\"cd\n").first?.1 == ["5\"3", "abcd"])
    }

    @Test func emptyInputHasNoRecords() throws {
        #expect(try scan([]).isEmpty)
        #expect(try scan(Array("\n\r\n\n".utf8)).isEmpty)
    }
}

@Suite struct FileSurveyTests {
    func survey(_ bytes: [UInt8]) throws -> FileSurvey {
        var source = MemoryByteSource(bytes)
        return try FileSurvey.survey(&source, chunkSize: 5, reopen: { MemoryByteSource(bytes) })
    }

    @Test func detectsEncodings() throws {
        #expect(try survey(Array("period,镇街\n".utf8)).encoding == .utf8)
        #expect(try survey([0xEF, 0xBB, 0xBF] + Array("a,b".utf8)).encoding == .utf8WithBOM)
        let gb = try #require("统计期,镇街,数值\n2024年1月,东城街道,1\n".data(using: TextEncoding.foundationGB18030))
        #expect(try survey(Array(gb)).encoding == .gb18030)
        #expect(try survey(Array("plain ascii".utf8)).encoding == .utf8)
    }

    @Test func rejectsUTF16AndGarbage() throws {
        let utf16 = try survey([0xFF, 0xFE, 0x61, 0x00])
        #expect(utf16.encoding == nil)
        #expect(utf16.problem?.contains("UTF-16") == true)
        let garbage = try survey([0x80, 0xFF, 0x00, 0xC3])
        #expect(garbage.encoding == nil)
        #expect(garbage.problem?.contains("neither UTF-8 nor GB18030") == true)
        // A truncated multi-byte character at the end is not valid either.
        #expect(try survey(Array(Array("东".utf8).prefix(1))).encoding == nil)
    }

    /// The streaming UTF-8 check against the standard library's (an independent route), on random
    /// mixes of ASCII runs, valid characters of every length and broken sequences, cut into chunks
    /// of every size: the same verdict, and the same first invalid offset whatever the chunking.
    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array("period,district".utf8), Array("12345678".utf8), [0x0A], Array("人".utf8), Array("é".utf8),
            Array("𠀀".utf8), Array("东莞".utf8), [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
            [0xE4, 0xBA], [0xFF], [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBB, 0xBF],
        ]
        for _ in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                bytes += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
            }
            let valid = String(validating: bytes, as: UTF8.self) != nil
            var offsets: Set<Int?> = []
            for chunk in [1, 3, 7, 8, 9, 16, 1 << 20] {
                var v = UTF8Validator()
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + chunk)
                    bytes[start..<end].withUnsafeBufferPointer { v.feed($0) }
                    start = end
                }
                #expect(v.isValid == valid, "\(bytes) in chunks of \(chunk)")
                offsets.insert(v.firstInvalidOffset)
            }
            #expect(offsets.count == 1, "\(bytes): \(offsets)")
        }
    }

    @Test func hashesTheBytes() throws {
        // SHA-256 of "abc" (FIPS 180-2 test vector).
        let tmp = try TemporaryFolder()
        let url = try tmp.write("abc.csv", "abc")
        #expect(
            try FileDigest.sha256(of: url.path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct FileLayoutTests {
    let reference = Fixtures.reference

    @Test func recognisesLongLayoutInEitherLanguage() throws {
        for header in [
            ["period", "district", "metric", "value", "unit", "entity"], ["统计期", "镇街", "指标", "数值", "计量单位", "统一社会信用代码"],
            [" Period ", "DISTRICT", "Metric", "Value"],
        ] {
            let layout = try FileLayout.detect(header: header, reference: reference).get()
            #expect(layout.kind == .long)
        }
    }

    @Test func recognisesWideLayoutWithUnitsInHeaders() throws {
        let layout = try FileLayout.detect(header: ["统计期", "镇街", "人员", "出口额（亿元）", "备注"], reference: reference).get()
        #expect(layout.kind == .wide)
        #expect(layout.columns[3] == .metricValues(metric: 1, unit: MeasureUnit.parse("亿元")))
        #expect(layout.columns[4] == .note)
    }

    @Test(arguments: [
        (["period", "district", "metric"], "missing required column value"),
        (["district", "metric", "value"], "missing required column period"),
        (["period", "period", "metric", "value"], "same header"),
        (["period", "district", "metric", "value", "people"], "both long-layout columns"),
        (["period", "district", "人数合计"], "unrecognised column 3"),
        (["period", "district", "出口额（美元）"], "unit '美元' is not known"),
        (["period", "district", "人员（万元）"], "does not measure"),
        (["period", "district", "", "value"], "empty header"),
    ])
    func explainsUnusableHeaders(_ header: [String], _ expected: String) {
        guard case .failure(let problem) = FileLayout.detect(header: header, reference: reference) else {
            Issue.record("expected a failure for \(header)")
            return
        }
        #expect(problem.message.contains(expected), "\(problem.message)")
    }
}

/// The record reader's 64-byte scan of plain records (no quote, whole in the buffer) gives what its
/// general loop gives, and the general loop gives the same whatever its chunk size: random texts of
/// every hazard — quotes, escaped quotes, a quote inside an unquoted field, CR, LF and CR LF inside
/// and between records, blank lines, records around 64 bytes and over the length limit (whose bytes
/// are dropped as they are read, wherever a chunk ends), a file ending without a terminator or inside
/// a quote — compared event by event, with each record's line, offset and the line reached.
@Suite struct PlainScanTests {
    static let pieces: [String] = [
        "", "a", "12.5", "东城", "2024-12", "441900105", "\"q,\"\"x\"\"\"", "x\"y", "\"a\rb\r\nc\nd\"", " ",
        String(repeating: "z", count: 57), String(repeating: "w", count: 64), String(repeating: "v", count: 130),
    ]
    static let terminators = ["\n", "\r\n", "\r", "\n\n", "\r\r\n", "\n\r"]

    struct Event: Equatable {
        let event: CSVEvent
        let offset: Int
        let lineAfter: Int
    }

    static func read(_ bytes: [UInt8], chunkSize: Int, maxRecordBytes: Int, scan: Bool) throws -> (
        [Event], plain: Int
    ) {
        let reader = RecordReader(
            source: MemoryByteSource(bytes), maxRecordBytes: maxRecordBytes, chunkSize: chunkSize,
            scansPlainRecords: scan)
        var events: [Event] = []
        while let e = try reader.next() {
            let event: CSVEvent =
                switch e {
                case .record(let view): .record(line: view.line, fields: view.fields)
                case .malformed(let line, let problem): .malformed(line: line, message: problem.message(line: line))
                }
            events.append(Event(event: event, offset: reader.lastRecordOffset, lineAfter: reader.currentLine))
        }
        return (events, reader.plainScans)
    }

    @Test(arguments: 0..<8)
    func theScanGivesWhatTheGeneralLoopGives(seed: UInt64) throws {
        var rng = SeededGenerator(state: 700 + seed)
        var plain = 0
        for _ in 0..<150 {
            var text = ""
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                let fields = Int.random(in: 1...9, using: &rng)
                text += (0..<fields).map { _ in Self.pieces.randomElement(using: &rng)! }.joined(separator: ",")
                text += Self.terminators.randomElement(using: &rng)!
            }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: text += "last,without,terminator"
            case 1: text += "\"open,quote"
            default: break
            }
            let bytes = Array(text.utf8)
            let limit = [16, 63, 64, 65, 100, 1 << 20].randomElement(using: &rng)!
            let general = try Self.read(bytes, chunkSize: 1 << 20, maxRecordBytes: limit, scan: false)
            #expect(general.plain == 0)
            for chunk in [3, 5, 64] {
                let small = try Self.read(bytes, chunkSize: chunk, maxRecordBytes: limit, scan: false)
                #expect(
                    small.0 == general.0, "general loop, \(chunk)-byte chunks: \(text.debugDescription) limit \(limit)")
            }
            let scanned = try Self.read(bytes, chunkSize: 1 << 20, maxRecordBytes: limit, scan: true)
            #expect(scanned.0 == general.0, "\(text.debugDescription) limit \(limit)")
            plain += scanned.plain
        }
        // Not vacuous: the scan took most plain records.
        #expect(plain > 1000)
    }
}
