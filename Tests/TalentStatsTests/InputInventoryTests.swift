import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Every file under `raw/` is accounted for: read (whatever the bytes of its name), rejected, or
/// listed as not read with the reason — never skipped in silence, except hidden files and the
/// documented ignore list.
@Suite struct InputInventoryTests {
    static let reference = Binary.packageRoot.appendingPathComponent("input/reference")

    /// Creates a file whose name is raw bytes (a GBK name from a Chinese Windows zip, say).
    static func writeRaw(_ folder: URL, name: [UInt8], _ contents: String) throws {
        let path = SystemPath(folder.path).appending(name)
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        #expect(fd >= 0)
        let bytes = Array(contents.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
    }

    /// A one-district month in the long layout (东城, the sample's first district).
    static func month(_ period: String, headcount: Int) -> String {
        "统计期,镇街,指标,数值\n\(period),东城,人才总量,\(headcount)\n"
    }

    static func setUp(_ tmp: TemporaryFolder) throws -> URL {
        let input = tmp.file("input")
        try FileManager.default.createDirectory(
            at: input.appendingPathComponent("raw"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: reference, to: input.appendingPathComponent("reference"))
        return input
    }

    static func manifest(_ folder: URL) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
                as? [String: Any])
    }

    // MARK: - Names that are not UTF-8

    @Test func namesInGBKBig5Latin1AndRandomBytesAreReadAndShown() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let raw = input.appendingPathComponent("raw")
        let gbk = String.Encoding(rawValue: 0x8000_0632)
        // 东城2024年12月.csv in GBK: B6 AB B3 C7 32 30 32 34 C4 EA 31 32 D4 C2 2E 63 73 76.
        let gbkName = Array("东城2024年12月.csv".data(using: gbk)!)
        #expect(gbkName.prefix(4) == [0xB6, 0xAB, 0xB3, 0xC7])
        try Self.writeRaw(raw, name: gbkName, Self.month("2024-12", headcount: 100))
        // 東城.csv in Big5 (A9 46 AB B0): structurally GB18030 too, so it is shown decoded as GB18030.
        try Self.writeRaw(
            raw, name: [0xAA, 0x46, 0xAB, 0xB0] + Array(".csv".utf8), Self.month("2024-11", headcount: 90))
        // Latin-1 "é" (E9) before an ASCII byte: neither UTF-8 nor GB18030, so escaped.
        try Self.writeRaw(
            raw, name: Array("caf".utf8) + [0xE9] + Array(".csv".utf8), Self.month("2024-10", headcount: 80))
        // Random high bytes, including a backslash, in a folder whose own name is GBK.
        let folderName = Array("旧".data(using: gbk)!)
        let sub = SystemPath(raw.path).appending(folderName)
        #expect(sub.withCString { mkdir($0, 0o755) } == 0)
        let randomName: [UInt8] = [0xFF, 0x5C, 0x80, 0xC3] + Array(".CSV".utf8)
        let subPath = sub.appending(randomName)
        let fd = subPath.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        let body = Array(Self.month("2024-09", headcount: 70).utf8)
        _ = body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)

        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        // Every other district is missing for 2024-12: findings.
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        let manifest = try Self.manifest(folder)
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        let byPath = Dictionary(uniqueKeysWithValues: inputs.map { ($0["path"] as! String, $0) })
        let latin = "caf\\xE9.csv"
        let random = "旧/\\xFF\\\\\\x80\\xC3.CSV"
        let big5Shown = String(bytes: [0xAA, 0x46, 0xAB, 0xB0], encoding: gbk)! + ".csv"
        #expect(Set(byPath.keys) == ["东城2024年12月.csv", big5Shown, latin, random])
        #expect(byPath["东城2024年12月.csv"]?["name_encoding"] as? String == "GB18030")
        #expect(byPath[latin]?["name_encoding"] as? String == "escaped")
        #expect(byPath[random]?["name_encoding"] as? String == "escaped")
        for entry in inputs {
            #expect(entry["status"] as? String == "used", "\(entry)")
            #expect((entry["rows"] as? [String: Int])?["used"] == 1, "\(entry)")
        }
        // Their figures are published.
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "100")
        #expect(agg["2024-11,441900003,talent_headcount,month"] == "90")
        #expect(agg["2024-10,441900003,talent_headcount,month"] == "80")
        #expect(agg["2024-09,441900003,talent_headcount,month"] == "70")
    }

    @Test func rejectionsNameAFileWithAnUndecodableNameByItsEscapedBytes() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let raw = input.appendingPathComponent("raw")
        try Self.writeRaw(raw, name: [0xB6, 0xAB, 0xFF] + Array(".csv".utf8), "统计期,镇街,指标,数值\n2024-12,东城,人才总量,abc\n")
        try Self.writeRaw(
            raw, name: Array("东城".data(using: String.Encoding(rawValue: 0x8000_0632))!) + Array(".csv".utf8),
            Self.month("2024-12", headcount: 5))
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let rejects = try String(contentsOf: tmp.file("out/2024-12/rejects.csv"), encoding: .utf8)
        #expect(
            rejects.contains("东\\xFF.csv,2,bad_value,") || rejects.contains("\\xB6\\xAB\\xFF.csv,2,bad_value,"),
            "\(rejects)")
        // B6 AB FF: B6 AB is 东 but FF is no GB18030 lead byte, so the whole name is escaped.
        #expect(rejects.contains("\\xB6\\xAB\\xFF.csv,2,bad_value,"), "\(rejects)")
    }

    @Test func aDecodedNameThatEqualsAnotherFilesNameIsShownEscaped() throws {
        let tmp = try TemporaryFolder()
        let raw = tmp.file("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try Self.writeRaw(raw, name: Array("东城.csv".utf8), "x")
        try Self.writeRaw(
            raw, name: Array("东城".data(using: String.Encoding(rawValue: 0x8000_0632))!) + Array(".csv".utf8), "x")
        let files = try InputDiscovery.inventory(under: raw).files
        #expect(files.map(\.relativePath) == ["\\xB6\\xAB\\xB3\\xC7.csv", "东城.csv"])
        #expect(Set(files.map(\.path)).count == 2)
    }

    /// Names shown alike are shown escaped until no two are alike: a GBK name equal to a UTF-8 name,
    /// and an escaped form equal to a UTF-8 name that happens to be written with `\x`.
    @Test func noTwoFilesAreEverShownAlike() throws {
        let tmp = try TemporaryFolder()
        let raw = tmp.file("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        let gbk = Array("东城11月".data(using: String.Encoding(rawValue: 0x8000_0632))!) + Array(".csv".utf8)
        let names: [[UInt8]] = [
            Array("东城11月.csv".utf8), gbk, Array(FileName.escaped(gbk).utf8),
            [0xFF, 0xFE] + Array(" bad.csv".utf8), Array("\\xFF\\xFE bad.csv".utf8),
            Array("ctl.csv".utf8), Array("ctl".utf8) + [0x01, 0x1B, 0x7F] + Array(".csv".utf8),
            Array("fffe".utf8) + Array("\u{FFFE}\u{FFFF}".utf8) + Array(".csv".utf8), Array("line\nbreak.csv".utf8),
        ]
        for name in names { try Self.writeRaw(raw, name: name, "x") }
        let files = try InputDiscovery.inventory(under: raw).files
        #expect(files.count == names.count)
        #expect(Set(files.map(\.relativePath)).count == names.count, "\(files.map(\.relativePath))")
        func name(_ file: InputFile) -> [UInt8] { Array(file.path.bytes.dropFirst(raw.path.utf8.count + 1)) }
        let shown = Dictionary(uniqueKeysWithValues: files.map { (name($0), ($0.relativePath, $0.nameEncoding)) })
        #expect(shown[Array("ctl.csv".utf8)]! == ("ctl.csv", .utf8))
        #expect(
            shown[Array("ctl".utf8) + [0x01, 0x1B, 0x7F] + Array(".csv".utf8)]! == ("ctl\\x01\\x1B\\x7F.csv", .escaped))
        #expect(shown[Array("fffe".utf8) + Array("\u{FFFE}\u{FFFF}".utf8) + Array(".csv".utf8)]!.1 == .escaped)
        #expect(shown[Array("line\nbreak.csv".utf8)]! == ("line\\x0Abreak.csv", .escaped))
        // Every name shown escaped is reported as escaped, and no shown name holds an invisible character.
        for file in files {
            #expect(!file.relativePath.unicodeScalars.contains(where: TextNormalization.isInvisible))
            if file.relativePath.contains("\\x") && name(file) != Array(FileName.escaped(gbk).utf8)
                && name(file) != Array("\\xFF\\xFE bad.csv".utf8)
            {
                #expect(file.nameEncoding == .escaped, "\(file.relativePath)")
            }
        }
    }

    /// Which file supersedes which is decided by the bytes of the paths: adding a file whose name
    /// shows like another's cannot change a published figure.
    @Test func processingOrderDoesNotDependOnOtherFiles() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let raw = input.appendingPathComponent("raw")
        try tmp.write("input/raw/base.csv", Self.month("2024-12", headcount: 282837))
        let gbk = Array("东城".data(using: String.Encoding(rawValue: 0x8000_0632))!) + Array(".csv".utf8)
        try Self.writeRaw(raw, name: gbk, Self.month("2024-12", headcount: 1))  // B6 AB … sorts after "base.csv"
        func published() throws -> String? {
            let out = tmp.file("out-\(UUID().uuidString)")
            let run = try Binary.run(
                ["report", "--period", "2024-12", "--input", input.path, "--output", out.path], in: tmp.url)
            #expect(run.status == 2, "\(run.stderr)")
            return try Fixtures.aggregates(out.appendingPathComponent("2024-12/aggregates.csv"))[
                "2024-12,441900003,talent_headcount,month"]
        }
        #expect(try published() == "1")
        // A UTF-8 东城.csv (E4 B8 9C …, after both) about another district: the GBK one is now shown
        // escaped, but still read second, so 东城's figure stays.
        try tmp.write("input/raw/东城.csv", "统计期,镇街,指标,数值\n2024-12,南城,人才总量,7\n")
        #expect(try published() == "1")
    }

    /// Zero-width, format and bidirectional characters would make two names, or a name and its
    /// extension, look alike: such names are shown escaped. The ignore list's names too are unique.
    @Test func namesWithFormatCharactersAreEscapedAndIgnoredNamesAreUnique() throws {
        let tmp = try TemporaryFolder()
        let raw = tmp.file("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        let tricky = [
            "东城.csv", "东\u{200B}城.csv", "东城\u{00AD}.csv", "东城\u{FEFF}.csv", "report\u{202E}vsc.xlsx", "a\u{2028}b.csv",
        ]
        for name in tricky { try Self.writeRaw(raw, name: Array(name.utf8), "x") }
        let gbk = Array("readme东城.txt".data(using: String.Encoding(rawValue: 0x8000_0632))!)
        try Self.writeRaw(raw, name: gbk, "x")
        try Self.writeRaw(raw, name: Array("readme东城.txt".utf8), "x")
        let inventory = try InputDiscovery.inventory(under: raw)
        #expect(Set(inventory.files.map(\.relativePath)).count == tricky.count)
        #expect(inventory.files.filter { $0.nameEncoding == .escaped }.count == tricky.count - 1)
        #expect(inventory.files.contains { $0.relativePath == "东城.csv" && $0.nameEncoding == .utf8 })
        #expect(inventory.files.contains { $0.relativePath == "report\\xE2\\x80\\xAEvsc.xlsx" })
        #expect(inventory.ignored.count == 2 && Set(inventory.ignored).count == 2, "\(inventory.ignored)")
    }

    @Test func aLinkLoopIsNamedAsSuch() throws {
        let tmp = try TemporaryFolder()
        let raw = tmp.file("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        #expect(symlink("loop", raw.appendingPathComponent("loop").path) == 0)
        let files = try InputDiscovery.inventory(under: raw).files
        #expect(files.map { $0.notReadReason?.message.hasPrefix("a link loop") } == [true])
    }

    @Test func invisibleCharactersInRejectedTextAreShownEscaped() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        try tmp.write("input/raw/a.csv", "统计期,镇街,指标,数值\n2024-12,东城,人才总量,5\u{FFFE}\u{85}\n2024-12,南城,人才总量,1\n")
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(run.status == 2)
        let rejects = try String(contentsOf: tmp.file("out/2024-12/rejects.csv"), encoding: .utf8)
        #expect(rejects.contains("5\\u{fffe}\\u{85}"), "\(rejects)")
        #expect(!rejects.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0x85 })
    }

    // MARK: - Files that are not read

    @Test func everyFileThatIsNotReadIsListedWithItsReasonAndTheRunHasFindings() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let raw = input.appendingPathComponent("raw")
        try tmp.write("input/raw/2024-12.csv", Self.month("2024-12", headcount: 100))
        let unread: [String: String] = [
            "全部镇街.zip": "an archive (.zip)",
            "说明.txt": "not a *.csv or *.xlsx file (.txt)",
            "no-extension": "not a *.csv or *.xlsx file (no extension)",
            "2024-12.csv.bak": "not a *.csv or *.xlsx file (.bak)",
        ]
        // Workbooks are read: these are not what their names say, so each is rejected with what to do.
        let badWorkbooks: [String: String] = [
            "东城12月.xlsx": "the workbook is damaged or incomplete",
            "旧表.xls": "an old binary workbook (.xls) is not read",
            "wps/报表.et": "an old binary workbook (.et) is not read",
            "dangling.xlsx": "cannot read the file: it cannot be examined",
        ]
        for name in Array(unread.keys) + Array(badWorkbooks.keys) where name != "dangling.xlsx" {
            try tmp.write("input/raw/" + name, "PK\u{3}\u{4} not really")
        }
        // Silent by design: hidden files, README*, *.md, Office owner files, Windows litter.
        for name in [
            ".hidden.xlsx", ".~lock.a.csv#", "README", "readme.txt", "notes.md", "~$东城12月.xlsx", "~$2024-12.csv",
            "README.csv", "Thumbs.db", "desktop.ini",
        ] {
            try tmp.write("input/raw/" + name, "ignored")
        }
        try tmp.write("input/raw/.git/objects/x.xlsx", "hidden folder")
        // Not regular files: a link to a folder, a pipe, a dangling link.
        let elsewhere = tmp.file("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try tmp.write("elsewhere/2024-11.csv", Self.month("2024-11", headcount: 1))
        try FileManager.default.createSymbolicLink(
            at: raw.appendingPathComponent("linked-folder"), withDestinationURL: elsewhere)
        #expect(mkfifo(raw.appendingPathComponent("pipe").path, 0o644) == 0)
        try FileManager.default.createSymbolicLink(
            at: raw.appendingPathComponent("dangling.xlsx"),
            withDestinationURL: tmp.file("missing.xlsx"))
        let expected = unread.merging(["linked-folder": "a link to a folder", "pipe": "not a regular file"]) { a, _ in a
        }

        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        for (name, reason) in expected {
            #expect(run.stderr.contains("not read: \(name): \(reason)"), "log lacks \(name)")
        }
        let folder = tmp.file("out/2024-12")
        let manifest = try Self.manifest(folder)
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        let notRead = inputs.filter { $0["status"] as? String == "not_read" }
        #expect(Set(notRead.compactMap { $0["path"] as? String }) == Set(expected.keys))
        for entry in notRead {
            let path = entry["path"] as! String
            #expect((entry["rejection"] as? String)?.hasPrefix(expected[path]!) == true, "\(entry)")
            #expect(
                entry["rows"] as? [String: Int] == [
                    "read": 0, "used": 0, "rejected": 0, "out_of_scope": 0, "superseded": 0,
                ])
        }
        let rejected = inputs.filter { $0["status"] as? String == "rejected" }
        #expect(Set(rejected.compactMap { $0["path"] as? String }) == Set(badWorkbooks.keys))
        for entry in rejected {
            let path = entry["path"] as! String
            #expect((entry["rejection"] as? String)?.contains(badWorkbooks[path]!) == true, "\(entry)")
        }
        // A rejected workbook is still identified by its hash: sha256 of the bytes written.
        let xlsx = try #require(rejected.first { $0["path"] as? String == "东城12月.xlsx" })
        #expect(xlsx["sha256"] as? String == (try FileDigest.sha256(of: raw.appendingPathComponent("东城12月.xlsx").path)))
        #expect(xlsx["bytes"] as? Int == "PK\u{3}\u{4} not really".utf8.count)
        let totals = try #require(manifest["totals"] as? [String: Any])
        #expect(totals["files"] as? [String: Int] == ["listed": 11, "used": 1, "rejected": 4, "not_read": 6])
        #expect(
            manifest["ignored"] as? [String] == [
                "README", "README.csv", "Thumbs.db", "desktop.ini", "notes.md", "readme.txt",
                "~$2024-12.csv", "~$东城12月.xlsx",
            ])
        #expect((manifest["findings"] as? [String: Any])?["needs_attention"] as? Bool == true)

        // rejects.csv: one not_read line per file, at line 0.
        let rejects = try String(contentsOf: folder.appendingPathComponent("rejects.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
        let notReadLines = rejects.filter { $0.contains(",0,not_read,") }
        #expect(notReadLines.count == expected.count)

        // The 数据质量 sheet lists each with 未读取 and the Chinese reason.
        let book = try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let quality = try #require(book.sheet("数据质量"))
        let rows = (1...40).compactMap { r -> (String, String, String)? in
            guard case .string(let file)? = quality["A\(r)"]?.value, case .string(let status)? = quality["B\(r)"]?.value
            else { return nil }
            guard case .string(let note)? = quality["K\(r)"]?.value else { return (file, status, "") }
            return (file, status, note)
        }
        let sheetUnread = rows.filter { $0.1 == "未读取" }
        #expect(Set(sheetUnread.map(\.0)) == Set(expected.keys))
        #expect(rows.first { $0.0 == "东城12月.xlsx" }?.1 == "拒收")
        #expect(sheetUnread.first { $0.0 == "全部镇街.zip" }?.2.contains("压缩包") == true)
        // And 拒收明细 explains them in Chinese.
        let rejectSheet = try #require(book.sheets.first { $0.name.hasPrefix("拒收明细") })
        for phrase in ["工作簿已损坏或不完整", "旧版工作簿（.xls）无法读取", "压缩包（.zip）不会自动解压"] {
            #expect(
                rejectSheet.cells.values.contains { cell in
                    if case .string(let text)? = cell.value { return text.contains(phrase) }
                    return false
                }, "\(phrase)")
        }
    }

    @Test func onlyUnreadFilesIsAFailureThatNamesThem() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        try tmp.write("input/raw/全部镇街.zip", "PK")
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(run.status == 1)
        #expect(run.stderr.contains("no *.csv or *.xlsx files under"))
        #expect(run.stderr.contains("1 other files are not read: 全部镇街.zip"))
    }

    /// An independent route: `find` lists the regular files under raw/ as bytes; each one that is
    /// neither hidden nor on the ignore list must be in the manifest, whatever its name.
    @Test func theManifestAccountsForEveryFileFindSees() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let raw = input.appendingPathComponent("raw")
        try tmp.write("input/raw/2024-12.csv", Self.month("2024-12", headcount: 100))
        var generator = SeededGenerator(state: 20_241_202)
        for n in 0..<40 {
            var name = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                UInt8.random(in: 0x21...0xFF, using: &generator)
            }
            name.removeAll { $0 == UInt8(ascii: "/") }
            if name.first == UInt8(ascii: ".") { name[0] = UInt8(ascii: "x") }
            let ext = ["", ".csv", ".xlsx", ".txt", ".CSV", ".zip"][n % 6]
            try Self.writeRaw(
                raw, name: name + Array("-\(n)".utf8) + Array(ext.utf8),
                n % 6 == 1 || n % 6 == 4 ? Self.month("2024-12", headcount: n) : "x")
        }
        _ = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        let manifest = try Self.manifest(tmp.file("out/2024-12"))
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        let ignored = try #require(manifest["ignored"] as? [String])

        let find = Process()
        find.executableURL = URL(fileURLWithPath: "/usr/bin/find")
        find.arguments = [raw.path, "-mindepth", "1", "-not", "-name", ".*", "-type", "f", "-print0"]
        let pipe = Pipe()
        find.standardOutput = pipe
        try find.run()
        let listing = pipe.fileHandleForReading.readDataToEndOfFile()
        find.waitUntilExit()
        let found = listing.split(separator: 0)
        #expect(found.count == 41)
        #expect(inputs.count + ignored.count == found.count)
        // Every path is distinct, and each used file's rows balance.
        #expect(Set(inputs.map { $0["path"] as! String }).count == inputs.count)
        #expect(inputs.filter { $0["status"] as? String == "used" }.count == 1 + 13)
    }

    // MARK: - Smaller defects

    @Test func everyUnicodeSpaceInAWideCellMeansNotReported() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        // NBSP, the ideographic space, an em space, a narrow NBSP, a zero-width space, a BOM, tabs.
        let blanks = [
            "\u{00A0}", "\u{3000}", "\u{2003}", "\u{202F}", "\u{200B}", "\u{FEFF}", " \t ", "\u{00A0}\u{3000}",
        ]
        var text = "统计期,镇街,人才总量,高层次人才\n"
        let codes = try ReferenceData.load(from: Self.reference).districts.map(\.code)
        for (n, blank) in blanks.enumerated() { text += "2024-12,\(codes[n]),\(blank),\(n)\n" }
        try tmp.write("input/raw/wide.csv", text)
        let run = try Binary.run(["validate", "--period", "2024-12", "--input", input.path], in: tmp.url)
        #expect(run.status == 2)  // districts missing, no rejections
        #expect(!run.stdout.contains("missing_field"), "\(run.stdout)")
        #expect(
            run.stdout.contains("observations: \(blanks.count) read = \(blanks.count) used + 0 rejected"),
            "\(run.stdout)")
    }

    @Test func anOversizedFileIsRejectedBeforeItIsReadOrHashed() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        try tmp.write("input/raw/ok.csv", Self.month("2024-12", headcount: 1))
        try tmp.write("input/raw/big.csv", String(repeating: "2024-12,东城,人才总量,1\n", count: 100))
        let run = try Binary.run(
            [
                "report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("out").path,
                "--max-file-bytes", "1000",
            ], in: tmp.url)
        #expect(run.status == 2)
        let manifest = try Self.manifest(tmp.file("out/2024-12"))
        let big = try #require((manifest["inputs"] as? [[String: Any]])?.first { $0["path"] as? String == "big.csv" })
        #expect(big["status"] as? String == "rejected")
        #expect(big["sha256"] as? String == "")
        #expect(big["bytes"] as? Int == 100 * "2024-12,东城,人才总量,1\n".utf8.count)
        #expect(
            (big["rejection"] as? String)?.contains(
                "over the limit of 1000 (max_file_bytes); it was not read or hashed") == true)
    }

    @Test func districtTypesMayBeWrittenInChinese() throws {
        let tmp = try TemporaryFolder()
        let english = try String(contentsOf: Self.reference.appendingPathComponent("districts.csv"), encoding: .utf8)
        let chinese = english.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { return String(line) }
            fields[3] =
                ["city": "市", "subdistrict": "街道", "town": " 镇 ", "park": "园区", "type": "type"][fields[3]] ?? fields[3]
            return fields.joined(separator: ",")
        }.joined(separator: "\n")
        #expect(chinese != english)
        try FileManager.default.copyItem(at: Self.reference, to: tmp.file("reference"))
        try chinese.write(to: tmp.file("reference/districts.csv"), atomically: true, encoding: .utf8)
        let fromChinese = try ReferenceData.load(from: tmp.file("reference"))
        let fromEnglish = try ReferenceData.load(from: Self.reference)
        #expect(fromChinese.districts == fromEnglish.districts)
        #expect(fromChinese.city == fromEnglish.city)
        #expect(DistrictType.parse("街道办事处") == .subdistrict)
        #expect(DistrictType.parse("County") == nil)
    }

    @Test func theGenerationDateFollowsTheOfficesTimeZone() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        try tmp.write("input/raw/2024-12.csv", Self.month("2024-12", headcount: 1))
        func cover(_ extra: [String], _ env: [String: String]) throws -> (strings: String, core: String) {
            let out = tmp.file("out-\(UUID().uuidString)")
            let run = try Binary.run(
                ["report", "--period", "2024-12", "--input", input.path, "--output", out.path] + extra,
                in: tmp.url, environment: env)
            #expect(run.status == 2, "\(run.stderr)")
            let book = try XlsxReadBack(url: out.appendingPathComponent("2024-12/talent-report-2024-12.xlsx"))
            return (
                String(decoding: book.parts["xl/sharedStrings.xml"] ?? Data(), as: UTF8.self),
                String(decoding: book.parts["docProps/core.xml"] ?? Data(), as: UTF8.self)
            )
        }
        // 2024-12-31T21:00:00Z is the 31st in New York and already 1 January in Shanghai.
        let epoch = ["SOURCE_DATE_EPOCH": "1735678800"]
        #expect(try cover(["--time-zone", "America/New_York"], epoch).strings.contains("2024年12月31日"))
        #expect(try cover([], epoch).strings.contains("2025年1月1日"))
        // Without SOURCE_DATE_EPOCH: midnight of 1 January in the office's zone.
        #expect(try cover(["--time-zone", "America/New_York"], [:]).core.contains("2025-01-01T05:00:00Z"))
        #expect(try cover([], [:]).core.contains("2024-12-31T16:00:00Z"))
    }
}
