import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Workbooks under raw/ (the districts' .xlsx returns), written by independent writers: openpyxl,
/// LibreOffice, and packages built by hand; read by the real binary.
@Suite struct WorkbookInputTests {
    static let script = Binary.packageRoot.appendingPathComponent("Tests/Scripts/workbooks.py")
    static let reference = Binary.packageRoot.appendingPathComponent("input/reference")

    /// Runs `Tests/Scripts/workbooks.py` with the system Python (where python3-openpyxl is).
    static func python(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "workbooks.py \(arguments): \(message)")
    }

    /// Runs a Python program with the system Python (where python3-openpyxl is).
    static func python(code: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", code]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(code)")
    }

    /// Saves `files` again with LibreOffice (a foreign writer: its own shared strings, styles and part
    /// layout) over themselves, checking that the package written is LibreOffice's.
    static func resaveWithLibreOffice(_ files: [URL], in tmp: TemporaryFolder) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/soffice")
        process.arguments =
            [
                "-env:UserInstallation=file://\(tmp.file("profile").path)", "--headless", "--convert-to",
                "xlsx:Calc MS Excel 2007 XML", "--outdir", tmp.file("lo").path,
            ] + files.map(\.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for file in files {
            let saved = tmp.file("lo/\(file.lastPathComponent)")
            // LibreOffice's own package, not openpyxl's: it names its application in docProps/app.xml.
            let book = try XlsxReadBack(url: saved)
            #expect(
                book.parts["docProps/app.xml"].map { String(decoding: $0, as: UTF8.self).contains("LibreOffice") }
                    == true)
            try FileManager.default.removeItem(at: file)
            try FileManager.default.moveItem(at: saved, to: file)
        }
    }

    static func input(_ tmp: TemporaryFolder) throws -> URL {
        let input = tmp.file("input")
        try FileManager.default.createDirectory(
            at: input.appendingPathComponent("raw"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: reference, to: input.appendingPathComponent("reference"))
        return input
    }

    static func report(_ input: URL, _ out: URL, period: String = "2024-12") throws -> Binary.Result {
        try Binary.run(["report", "--period", period, "--input", input.path, "--output", out.path], in: input)
    }

    static func manifest(_ folder: URL) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
                as? [String: Any])
    }

    static func rejects(_ folder: URL) throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent("rejects.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
    }

    /// The shipped sample's 37 CSV files as workbooks (beside its five returned forms) (openpyxl: numbers typed, every seventh as
    /// text, every other file's periods typed as dates), three of them saved again by LibreOffice:
    /// the same aggregates.csv, byte for byte, and the same row accounting.
    @Test func theSampleSentAsWorkbooksGivesTheSameFigures() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        try Self.python([
            "from-csv", Binary.packageRoot.appendingPathComponent("input/raw").path,
            input.appendingPathComponent("raw").path,
        ])
        // The sample's returned forms are workbooks already.
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/raw/2024/12-forms"),
            to: input.appendingPathComponent("raw/2024/12-forms"))
        // LibreOffice writes its own package: its own shared strings, styles and part layout.
        try Self.resaveWithLibreOffice(
            ["2024/2024-05.v2.xlsx", "2024/2024-11.xlsx", "2024/2024-12.xlsx"].map {
                input.appendingPathComponent("raw/\($0)")
            }, in: tmp)

        let csvRun = try Self.report(Binary.packageRoot.appendingPathComponent("input"), tmp.file("csv-out"))
        let bookRun = try Self.report(input, tmp.file("xlsx-out"))
        #expect(csvRun.status == 0, "\(csvRun.stderr)")
        #expect(bookRun.status == 0, "\(bookRun.stderr)")
        let csvFolder = tmp.file("csv-out/2024-12")
        let bookFolder = tmp.file("xlsx-out/2024-12")
        let a = try Data(contentsOf: csvFolder.appendingPathComponent("aggregates.csv"))
        let b = try Data(contentsOf: bookFolder.appendingPathComponent("aggregates.csv"))
        #expect(a == b)
        #expect(a.count > 100_000)
        let csvTotals = try #require(try Self.manifest(csvFolder)["totals"] as? [String: Any])
        let bookTotals = try #require(try Self.manifest(bookFolder)["totals"] as? [String: Any])
        #expect(NSDictionary(dictionary: csvTotals) == NSDictionary(dictionary: bookTotals))
        // The resubmission sorts after its original as a workbook too (2024-05.v2.xlsx after 2024-05.xlsx).
        #expect(bookTotals["revisions"] as? Int == 2)
        let files = try #require(try Self.manifest(bookFolder)["inputs"] as? [[String: Any]])
        #expect(files.count == 42)
        #expect(
            files.allSatisfy {
                ($0["path"] as? String)?.hasSuffix(".xlsx") == true && $0["status"] as? String == "used"
            })
    }

    /// Every kind of cell in a package built by hand; each row's figure or rejection worked out in
    /// Tests/Scripts/workbooks.py (`cells`).
    @Test func everyKindOfCellIsReadAsExcelShowsIt() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        try Self.python(["cells", input.appendingPathComponent("raw/cells.xlsx").path])
        let run = try Self.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        let expected: [String: String] = [
            "441900003,talent_headcount": "100",  // shared strings
            "441900004,talent_headcount": "200",  // inline rich text; a number stored as text
            "441900005,talent_headcount": "300",  // the period a date serial (45627); a formula's cached value
            "441900006,talent_headcount": "400",  // merged A10:A11, B10:B11
            "441900006,high_level_talent": "40",  // the merged cells' value in row 11
            "441900006,cross_border_export": "0.3",  // 0.30000000000000004 to Excel's 15 digits
            "441900101,skilled_workers": "7",  // 石碣 with its phonetic guide left out
            "441900101,talent_headcount": "1500",  // 1.5E3
        ]
        for (key, value) in expected { #expect(agg["2024-12,\(key),month"] == value, "\(key)") }
        #expect(agg["2024-12,441900003,high_level_talent,month"] == nil)
        let rejects = try Self.rejects(folder)
        #expect(rejects.count == 3)
        #expect(rejects[0].hasPrefix("cells.xlsx!报表,7,bad_value,\"cell D7: value 'TRUE'"))
        #expect(rejects[1].hasPrefix("cells.xlsx!报表,8,bad_value,\"cell D8: value '#N/A'"))
        #expect(
            rejects[2]
                == "cells.xlsx!报表,9,bad_value,\"cell D9 holds the formula =SUM(D2:D4) without a calculated result: open the workbook in Excel or WPS and save it, or type the value\""
        )
        let totals = try #require(try Self.manifest(folder)["totals"] as? [String: Any])
        #expect((totals["observations"] as? [String: Any])?["read"] as? Int == 11)
        #expect(totals["balanced"] as? Bool == true)
        // The clerk reads the cell in Chinese in 拒收明细.
        let book = try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let sheet = try #require(book.sheet("拒收明细"))
        let texts = sheet.cells.values.compactMap { cell -> String? in
            if case .string(let s)? = cell.value { return s }
            return nil
        }
        #expect(texts.contains { $0.hasPrefix("D9单元格是公式“=SUM(D2:D4)”但没有计算结果") })
        #expect(texts.contains("cells.xlsx!报表"))
    }

    /// Each bad workbook is `bad_file` with what to do; the good workbook (with `x:` prefixes) and
    /// the CSV file beside them are used.
    @Test func badWorkbooksAreRejectedWithWhatToDoAndTheRunGoesOn() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        try Self.python(["hostile", input.appendingPathComponent("raw/hostile").path])
        try tmp.write("input/raw/ok.csv", "统计期,镇街,指标,数值\n2024-12,南城,人才总量,7\n")
        let run = try Self.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        var byFile: [String: String] = [:]
        for line in try Self.rejects(folder) {
            let fields = line.split(separator: ",", maxSplits: 3).map(String.init)
            #expect(fields[1] == "0" && fields[2] == "bad_file", "\(line)")
            byFile[fields[0]] = fields[3]
        }
        let expected: [String: String] = [
            "binary.xlsb": "save it as an Excel workbook (.xlsx)",
            "bomb.xlsx": "times its compressed size (a zip bomb?)",
            "bomb-lying.xlsx": "times its compressed size (a zip bomb?)",
            "broken-xml.xlsx": "is not well-formed XML (the XML ends inside markup",
            "doctype.xlsx": "a document type declaration",
            "no-header.xlsx": "header on row 1: unrecognised column 1",
            "no-sheet-part.xlsx": "has no part xl/worksheets/sheet1.xml",
            "no-workbook.xlsx": "has no part xl/workbook.xml",
            "not-a-zip.xlsx": "not an .xlsx workbook (its bytes are not a zip package)",
            "old.xls":
                "an old binary workbook (.xls) is not read: open it in Excel or WPS and save it as an Excel workbook (.xlsx)",
            "password.xlsx": "or a workbook protected with a password",
            "too-many-columns.xlsx": "column 16385 is beyond the limit of 16384 columns",
            "too-many-rows.xlsx": "row 1048577 is beyond the limit of 1048576 rows",
            "truncated.xlsx": "damaged or incomplete",
            "wps.et": "an old binary workbook (.et) is not read",
            "crc.xlsx": "does not match its checksum",
            "twice.xlsx": "holds part xl/worksheets/sheet1.xml twice",
            "not-utf8.xlsx": "bytes that are not UTF-8",
            "merge-tall.xlsx": "merged cells cover far more cells than the sheet holds",
            "merge-beyond.xlsx": "the merged range A2:A16000000 is beyond Excel's",
        ]
        #expect(Set(byFile.keys) == Set(expected.keys.map { "hostile/\($0)" }))
        for (name, phrase) in expected {
            #expect(byFile["hostile/\(name)"]?.contains(phrase) == true, "\(name): \(byFile["hostile/\(name)"] ?? "-")")
        }
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "5")  // hostile/prefixed.xlsx
        #expect(agg["2024-12,441900004,talent_headcount,month"] == "7")  // ok.csv
        let m = try Self.manifest(folder)
        let files = try #require(m["inputs"] as? [[String: Any]])
        #expect(files.count == 22)
        #expect(files.filter { $0["status"] as? String == "rejected" }.count == 20)
        #expect((m["totals"] as? [String: Any])?["balanced"] as? Bool == true)
    }

    /// Cells as programs write them (worked out in Tests/Scripts/workbooks.py, `cells2`): a merge to
    /// column XFD, whitespace around a number, -0, NaN, hexadecimal, a sign, a period typed as a
    /// number with decimals, an unused column's formula before the value's, 18-digit entities stored
    /// as numbers, a part named in another case than its relationship.
    @Test func cellsAsProgramsWriteThemAreReadRowByRow() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        try Self.python(["cells2", input.appendingPathComponent("raw/cells2.xlsx").path])
        let run = try Self.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        let expected: [String: String] = [
            "441900003,talent_headcount": "1", "441900003,high_level_talent": "2", "441900003,skilled_workers": "3",
            "441900004,talent_headcount": "7", "441900004,high_level_talent": "0",
            "441900005,talent_headcount": "11",  // two entities, 5 + 6
        ]
        for (key, value) in expected { #expect(agg["2024-12,\(key),month"] == value, "\(key)") }
        let rejects = try Self.rejects(folder).map { $0.split(separator: ",", maxSplits: 3).map(String.init) }
        #expect(
            rejects.map { "\($0[1]) \($0[2])" } == [
                "7 bad_value", "8 bad_value", "9 bad_value", "10 bad_period", "11 bad_value",
            ])
        #expect(rejects.allSatisfy { $0[0] == "cells2.xlsx!报表" })
        #expect(
            rejects[0][3].contains("'NaN'") && rejects[1][3].contains("'0x10'") && rejects[2][3].contains("has a sign"))
        #expect(rejects[3][3].contains("holds the period as the number 2024.1"))
        #expect(rejects[4][3].contains("cell D11 holds the formula =SUM(X1:X9) without a calculated result"))
    }

    /// The table on another sheet than the first: read from the sheet the configuration names
    /// (`sheet`), and without it the first sheet is read, which holds no header: bad_file.
    @Test func theConfiguredSheetIsRead() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        let script = """
            import openpyxl
            wb = openpyxl.Workbook(); ws = wb.active; ws.title = "说明"; ws["A1"] = "本表由东城街道填报"
            data = wb.create_sheet("数据")
            data.append(["统计期", "镇街", "指标", "数值"]); data.append(["2024-12", "东城", "人才总量", 42])
            wb.save("\(input.appendingPathComponent("raw/东城.xlsx").path)")
            """
        try Self.python(code: script)
        try tmp.write("input/raw/ok.csv", "统计期,镇街,指标,数值\n2024-12,南城,人才总量,7\n")
        let first = try Self.report(input, tmp.file("first"))
        #expect(first.status == 2)
        let rejects = try Self.rejects(tmp.file("first/2024-12"))
        #expect(rejects.count == 1 && rejects[0].hasPrefix("东城.xlsx,0,bad_file,"), "\(rejects)")
        try tmp.write("talentstats.toml", "sheet = \"数据\"\n")
        let named = try Binary.run(
            ["report", "--period", "2024-12", "--input", input.path, "--output", tmp.file("named").path], in: tmp.url)
        let agg = try Fixtures.aggregates(tmp.file("named/2024-12/aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "42", "\(named.stderr)")
        let manifest = try Self.manifest(tmp.file("named/2024-12"))
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        #expect(inputs.first { $0["path"] as? String == "东城.xlsx" }?["sheet"] as? String == "数据")
    }

    /// A workbook whose name is GBK bytes (from a Chinese Windows zip) is read like any other.
    @Test func aWorkbookWithAGBKNameIsRead() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        try Self.python(["cells", tmp.file("cells.xlsx").path])
        // 东城.xlsx in GBK: B6 AB B3 C7 .xlsx
        let name: [UInt8] = [0xB6, 0xAB, 0xB3, 0xC7] + Array(".xlsx".utf8)
        let data = try Data(contentsOf: tmp.file("cells.xlsx"))
        let path = SystemPath(input.appendingPathComponent("raw").path).appending(name)
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        #expect(fd >= 0)
        #expect(data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == data.count)
        close(fd)
        let run = try Self.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024-12,441900006,talent_headcount,month"] == "400")
        let rejects = try Self.rejects(folder)
        #expect(rejects.first?.hasPrefix("东城.xlsx!报表,7,bad_value") == true, "\(rejects)")
    }

    /// Rows above the header (a title, a blank row) are not observations; the header is found below them.
    @Test func aTitleAboveTheTableIsPassedOver() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.input(tmp)
        let script = """
            import openpyxl, datetime
            wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Sheet1"
            ws["A1"] = "东城街道人才统计表（2024年12月）"; ws.merge_cells("A1:E1")
            ws.append([])
            ws.append(["统计期", "镇街", "指标", "数值", "单位", "备注"])
            ws.append([datetime.datetime(2024, 12, 31), "东城", "人才总量", 273787, "人", "已核对"])
            ws["A4"].number_format = "yyyy\\"年\\"m\\"月\\""
            ws.append(["2024年12月", "东城", "高层次人才", "27,839", "人", None])
            wb.save("\(input.appendingPathComponent("raw/东城.xlsx").path)")
            """
        try Self.python(code: script)
        let run = try Self.report(input, tmp.file("out"))
        let folder = tmp.file("out/2024-12")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "273787", "\(run.stderr)")
        #expect(agg["2024-12,441900003,high_level_talent,month"] == "27839")
        let totals = try #require(try Self.manifest(folder)["totals"] as? [String: Any])
        #expect((totals["observations"] as? [String: Any])?["read"] as? Int == 2)
    }
}
