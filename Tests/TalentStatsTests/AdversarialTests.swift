import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Every file of the adversarial corpus (Fixtures/adversarial), with its expected outcome. Each runs
/// through the real ingest and validation; none may crash, hang or lose a row.
@Suite struct AdversarialCorpusTests {
    static let dongguan: ReferenceData = try! ReferenceData.load(
        from: Binary.packageRoot.appendingPathComponent("input/reference"))

    /// What a file must come to: rejected whole with a message containing a text, or read with
    /// these reject codes (in order) and this many observations used.
    enum Expected {
        case badFile(String)
        case read(used: Int, rejects: [RejectCode], messages: [String] = [])
    }

    static let corpus: [(String, Expected)] = [
        ("empty.csv", .badFile("the file is empty")),
        ("header-only.csv", .read(used: 0, rejects: [])),
        ("bom-only.csv", .badFile("the file is empty")),
        ("binary-garbage.csv", .badFile("neither UTF-8 nor GB18030")),
        (
            "nul-bytes.csv",
            .read(used: 0, rejects: [.unknownDistrict, .badValue], messages: ["\\u{0}441900003", "1\\u{0}2"])
        ),
        ("invalid-utf8-not-gb18030.csv", .badFile("neither UTF-8 nor GB18030")),
        ("mixed-line-endings.csv", .read(used: 4, rejects: [])),
        ("unterminated-quote.csv", .read(used: 1, rejects: [.badRow], messages: ["unterminated quoted field"])),
        // A closing quote as the file's last byte (or before a last lone CR) closes the field.
        ("quoted-last-field-no-newline.csv", .read(used: 2, rejects: [])),
        ("quoted-last-field-lone-cr.csv", .read(used: 2, rejects: [])),
        ("thousand-columns.csv", .badFile("and 995 more")),
        ("duplicate-headers.csv", .badFile("have the same header 'value'")),
        ("two-formats.csv", .badFile("both long-layout columns")),
        (
            "values.csv",
            .read(
                used: 1, rejects: Array(repeating: .badValue, count: 8),
                messages: [
                    "'NaN'", "'inf'", "'1e400'", "'-0' has a sign", "'0x10'",
                    "'1,2,3' has misplaced thousands separators", "'12 345' has a space inside",
                    "'1.2.3' has more than one decimal point",
                ])
        ),
        (
            "periods.csv",
            .read(
                used: 0, rejects: Array(repeating: .badPeriod, count: 4),
                messages: ["2024-13", "0000-01", "2024-00", "9999-12"])
        ),
        ("fullwidth-space-district.csv", .read(used: 1, rejects: [])),
        (
            "formula-injection.csv",
            .read(
                used: 1, rejects: Array(repeating: .unknownDistrict, count: 4),
                messages: ["=HYPERLINK", "+1+1", "-1+1", "@SUM(A1)"])
        ),
        ("sheet-name-breaking.csv", .read(used: 0, rejects: [.unknownMetric], messages: ["人才总量[1]:*?/\\"])),
    ]

    /// Reads one file the way a run does and returns the validator's result.
    static func run(_ url: URL, limits: IngestLimits = .default) -> ValidatedData {
        let file = InputFile(index: 0, relativePath: url.lastPathComponent, url: url)
        var validator = Validator(reference: dongguan, reportPeriod: YearMonth(year: 2024, month: 12)!, limits: limits)
        let outcome = Intake.read(file, into: &validator)
        return validator.finish()
    }

    @Test(arguments: corpus.map(\.0))
    func eachFileHasItsExpectedOutcome(_ name: String) throws {
        let url = try Fixtures.folder("adversarial").appendingPathComponent(name)
        let data = Self.run(url)
        let expected = Self.corpus.first { $0.0 == name }!.1
        #expect(data.totals.balances, "\(name): \(data.totals)")
        #expect(data.files.count == 1)
        switch expected {
        case .badFile(let text):
            #expect(data.filesRejected == 1, "\(name)")
            #expect(data.rejections.count == 1)
            #expect(data.rejections.first?.code == .badFile)
            #expect(data.rejections.first?.line == 0)
            #expect(
                data.rejections.first?.message.contains(text) == true,
                "\(name): \(data.rejections.first?.message ?? "")")
        case .read(let used, let rejects, let messages):
            #expect(data.filesRejected == 0, "\(name): \(data.rejections)")
            #expect(data.totals.used == used, "\(name)")
            #expect(data.rejections.map(\.code) == rejects, "\(name): \(data.rejections.map(\.message))")
            for (rejection, text) in zip(data.rejections, messages) {
                #expect(rejection.message.contains(text), "\(name): \(rejection.message) lacks \(text)")
                #expect(rejection.line > 0)
            }
            #expect(data.totals.read == used + rejects.count, "\(name)")
        }
    }

    @Test func lineNumbersSurviveMixedLineEndings() throws {
        let url = try Fixtures.folder("adversarial").appendingPathComponent("mixed-line-endings.csv")
        let reader = try Ingest.open(InputFile(index: 0, relativePath: "m.csv", url: url), reference: Self.dongguan)
            .get()
        var lines: [Int] = []
        while let batch = reader.nextBatch() { lines += batch.rows.map { $0.problem >= 0 ? -$0.line : $0.line } }
        _ = reader.finish(readOnTwoThreads: false)
        #expect(lines == [2, 3, 4, 5])
    }

    @Test func errorMessagesNameTheColumn() throws {
        let data = Self.run(try Fixtures.folder("adversarial").appendingPathComponent("values.csv"))
        #expect(data.rejections.allSatisfy { $0.message.hasPrefix("column 4: ") }, "\(data.rejections.map(\.message))")
        let periods = Self.run(try Fixtures.folder("adversarial").appendingPathComponent("periods.csv"))
        #expect(periods.rejections.allSatisfy { $0.message.hasPrefix("column 1: ") })
    }

    @Test func aTenMegabyteLineIsRejectedWithoutExhaustingMemory() throws {
        let tmp = try TemporaryFolder()
        var data = Data("period,district,metric,value,unit,entity\n".utf8)
        data.append(Data(repeating: UInt8(ascii: "9"), count: 10 << 20))
        data.append(Data("\n2024-02,441900003,talent_headcount,5,,\n".utf8))
        let url = try tmp.write("long.csv", data)
        let result = Self.run(url)
        #expect(result.rejections.map(\.code) == [.badRow])
        #expect(result.rejections.first?.line == 2)
        #expect(result.rejections.first?.message.contains("longer than the limit of 1048576 bytes") == true)
        #expect(result.totals == RowAccounting(read: 2, used: 1, rejected: 1, outOfScope: 0, superseded: 0))
        // The limit is the operator's: raise it and the line is read (and is then a bad row for its field count).
        let relaxed = Self.run(url, limits: IngestLimits(maxRecordBytes: 16 << 20, maxFileBytes: 1 << 30))
        #expect(relaxed.rejections.first?.code == .missingField)
        let small = Self.run(url, limits: IngestLimits(maxRecordBytes: 1 << 20, maxFileBytes: 1 << 20))
        #expect(small.rejections.first?.code == .badFile)
        #expect(small.rejections.first?.message.contains("max_file_bytes") == true)
    }

    @Test func linksLoopsFoldersAndPipesAreRejectedNotFollowedOrBlocking() throws {
        let tmp = try TemporaryFolder()
        let raw = tmp.file("raw")
        try FileManager.default.createDirectory(
            at: raw.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "period,district,metric,value\n2024-02,东城,人才总量,1\n".write(
            to: raw.appendingPathComponent("sub/ok.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: raw.appendingPathComponent("loop.csv").path, withDestinationPath: "loop.csv")
        try FileManager.default.createSymbolicLink(
            atPath: raw.appendingPathComponent("folder.csv").path, withDestinationPath: "sub")
        try FileManager.default.createSymbolicLink(
            atPath: raw.appendingPathComponent("sub/up").path, withDestinationPath: "..")
        #expect(mkfifo(raw.appendingPathComponent("pipe.csv").path, 0o644) == 0)
        let files = try InputDiscovery.csvFiles(under: raw)
        #expect(files.map(\.relativePath) == ["folder.csv", "loop.csv", "pipe.csv", "sub/ok.csv"])
        var validator = Validator(reference: Self.dongguan, reportPeriod: YearMonth(year: 2024, month: 12)!)
        for file in files {
            Intake.read(file, into: &validator)
        }
        let data = validator.finish()
        #expect(data.rejections.map(\.file) == ["folder.csv", "loop.csv", "pipe.csv"])
        #expect(data.rejections[0].message.contains("not a regular file"))
        #expect(data.rejections[1].message.contains("symbolic links"))
        #expect(data.rejections[2].message.contains("not a regular file"))
        #expect(data.totals == RowAccounting(read: 1, used: 1, rejected: 0, outOfScope: 0, superseded: 0))
    }

    /// A file that grows, or is deleted, between the encoding check and the parse (a district still
    /// uploading) is rejected with a reason, not read half.
    @Test(arguments: ["grows", "deleted"])
    func aFileThatChangesWhileBeingReadIsRejected(change: String) throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        let target = input.appendingPathComponent("raw/a/2023.csv")
        let run = try Binary.Background(
            ["report", "--period", "2024-02", "--input", "input", "--output", "out"], in: tmp.url,
            environment: ["TALENTSTATS_TEST_HOOK": "pause:after-survey:3"])
        #expect(run.wait(for: "paused at after-survey"))
        if change == "grows" {
            let handle = try FileHandle(forWritingTo: target)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("2023-12,100000003,people,9,\n".utf8))
            try handle.close()
        } else {
            try FileManager.default.removeItem(at: target)
        }
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 2)
        let rejects = try String(contentsOf: tmp.file("out/2024-02/rejects.csv"), encoding: .utf8)
        let line = try #require(rejects.split(separator: "\n").first { $0.hasPrefix("a/2023.csv,") })
        #expect(line.hasPrefix("a/2023.csv,0,bad_file,"))
        #expect(
            line.contains(
                change == "grows"
                    ? "the file changed while it was being read" : "the file was removed while it was being read"),
            "\(line)")
    }

    /// The whole corpus as one run of the real binary: published with findings, and no text from
    /// the input reaches the workbook as a formula.
    @Test func noInputTextBecomesAFormula() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.createDirectory(at: tmp.file("input"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.folder("adversarial"), to: tmp.file("input/raw"))
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        // A resubmission of the injected entity, so it is listed (as text) among the revisions too.
        try tmp.write(
            "input/raw/zz-resubmit.csv",
            "period,district,metric,value,unit,entity\n2024-02,441900003,talent_headcount,2,,=cmd|' /C calc'!A0\n")
        let run = try Binary.run(["report", "--period", "2024-02", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let book = try XlsxReadBack(url: tmp.file("out/2024-02/talent-report-2024-02.xlsx"))
        var injected = 0
        for sheet in book.sheets {
            for (ref, cell) in sheet.cells {
                if let formula = cell.formula {
                    #expect(formula.hasPrefix("SUM("), "\(sheet.name)!\(ref) has formula \(formula)")
                }
                if case .string(let text)? = cell.value, text.contains("HYPERLINK") || text.contains("cmd|") {
                    injected += 1
                }
            }
        }
        #expect(injected >= 2)  // the rejected district in 拒收明细, the entity in 修订记录
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.file("out/2024-02/manifest.json")))
                as? [String: Any])
        #expect((manifest["totals"] as? [String: Any])?["balanced"] as? Bool == true)
    }
}

/// Sheet names and listings that respect Excel's limits.
@Suite struct WorkbookLimitsTests {
    @Test func sheetNamesAreMadeValidAndUnique() {
        var namer = SheetNamer()
        #expect(namer.take("人才/总量[测试]:*?\\") == "人才_总量_测试_____")
        #expect(namer.take("'引号'") == "引号")
        let long = String(repeating: "长", count: 40)
        #expect(namer.take(long).count == 31)
        #expect(namer.take(long) == String(repeating: "长", count: 28) + "(2)")
        #expect(namer.take("总览") == "总览")
        #expect(namer.take("总览") == "总览(2)")
    }
}

/// `rejects.csv` stays well-formed CSV when what it quotes holds a comma, a quote or a line break
/// that Swift joins with the next character (a combining mark after it; CR LF): file names and
/// cells of that kind, through the real binary, read back with the project's CSV reader.
@Suite struct RejectsQuotingTests {
    @Test func joinedCharactersAreQuotedByTheirBytes() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        let names = ["a,\u{301}b.csv", "e\"\u{301}f.csv", "plain.csv"]
        for name in names {
            try tmp.write(
                "input/raw/\(name)",
                "统计期,镇街,指标,数值\n2024-12,东城,人才总量,5\n2024-12,东城,人才总量,x\n\"20\"\"\u{301}x\",东城,人才总量,1\n")
        }
        let run = try Binary.run(["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let bytes = try Array(Data(contentsOf: tmp.file("out/2024-12/rejects.csv")))
        let records = try scan(bytes, chunkSize: 5).compactMap { event -> [String]? in
            guard case .record(_, let fields) = event else { return nil }
            return fields.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(records.first == ["file", "line", "code", "message"])
        #expect(records.allSatisfy { $0.count == 4 }, "\(records)")
        for name in names {
            let rows = records.filter { $0[0] == name }
            // The bad value on line 3 and the bad period on line 4, with the period's text quoted whole.
            #expect(rows.map(\.[1]) == ["3", "4"], "\(name): \(records)")
            #expect(rows.last?[3].contains("20\"\u{301}x") == true, "\(name): \(rows)")
        }
    }
}
