import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// The collection round trip: `talentstats template` writes the forms, an independent writer
/// (openpyxl, then LibreOffice) fills and saves them, and `report` reads them back.
@Suite struct FormTests {
    static let sample = Binary.packageRoot.appendingPathComponent("input")

    static func template(_ arguments: [String], in tmp: TemporaryFolder) throws -> Binary.Result {
        try Binary.run(["template", "--input", sample.path] + arguments, in: tmp.url)
    }

    /// What the form holds, read back from the file: the marker, protection, validation, locked and
    /// open cells, and the figure last published (the 2024-11 report's, computed here first).
    @Test func theFormIsLockedValidatedAndMarked() throws {
        let tmp = try TemporaryFolder()
        let published = try Binary.run(
            ["report", "--period", "2024-11", "--input", Self.sample.path, "--output", tmp.file("reports").path],
            in: tmp.url)
        #expect(published.status == 0, "\(published.stderr)")
        let run = try Self.template(
            [
                "--period", "2024-12", "--district", "东城", "--output", tmp.file("forms").path, "--reports",
                tmp.file("reports").path,
            ], in: tmp)
        #expect(run.status == 0, "\(run.stderr)")
        let url = tmp.file("forms/2024-12/2024-12-东城街道.xlsx")
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url.path)
        let book = try XlsxReadBack(url: url)
        let sheet = try #require(book.sheet("填报表"))
        #expect(book.sheets.count == 1)
        // The header on row 5, then one row a metric in metrics.csv order, locked cells filled in.
        #expect(
            ["A5", "B5", "C5", "D5", "E5", "F5", "G5", "H5"].map { sheet[$0]?.value }
                == ["统计期", "镇街", "指标", "指标类型", "计量单位", "数值", "上期数（参考）", "备注"].map { .string($0) })
        #expect(sheet["A6"]?.value == .string("2024-12"))
        #expect(sheet["B6"]?.value == .string("东城街道"))
        #expect(
            ["C6", "C7", "C10"].map { sheet[$0]?.value } == [.string("人才总量"), .string("高层次人才"), .string("跨境电商出口额")])
        #expect(sheet["D6"]?.value == .string("时点") && sheet["D9"]?.value == .string("时期"))
        #expect(sheet["E10"]?.value == .string("万元"))
        #expect(sheet["F6"]?.value == nil)
        // The last published figure: 东城's 2024-11 month figures in that report's aggregates.csv.
        let agg = try Fixtures.aggregates(tmp.file("reports/2024-11/aggregates.csv"))
        let expected = try #require(agg["2024-11,441900003,talent_headcount,month"].flatMap(Double.init))
        #expect(sheet["G6"]?.value == .number(expected))
        #expect(
            sheet["G10"]?.value
                == .number(try #require(agg["2024-11,441900003,cross_border_export,month"].flatMap(Double.init))))
        #expect(sheet["A2"].map { "\($0.value!)" }?.contains("报送截止：2025年1月5日") == true)
        // Protected without a password; value and 备注 cells unlocked; each value cell validated.
        #expect(sheet.xml.contains("<sheetProtection sheet=\"1\""))
        #expect(!sheet.xml.contains("password="))
        let validations = sheet.xml.components(separatedBy: "<dataValidation ").dropFirst()
        #expect(validations.count == 7)
        #expect(validations.filter { $0.contains("type=\"whole\"") }.count == 6)
        #expect(validations.filter { $0.contains("type=\"decimal\"") && $0.contains("sqref=\"F10\"") }.count == 1)
        #expect(validations.allSatisfy { $0.contains("<formula1>0</formula1>") && $0.contains("error=") })
        let styles = String(decoding: try #require(book.parts["xl/styles.xml"]), as: UTF8.self)
        #expect(styles.contains("locked=\"0\""))
        // The marker, twice: custom document properties and a defined name.
        let custom = String(decoding: try #require(book.parts["docProps/custom.xml"]), as: UTF8.self)
        for (name, value) in [
            ("talentstats.form", "1"), ("talentstats.period", "2024-12"), ("talentstats.district", "441900003"),
        ] {
            #expect(custom.contains("name=\"\(name)\"><vt:lpwstr>\(value)</vt:lpwstr>"), "\(name)")
        }
        let workbook = String(decoding: try #require(book.parts["xl/workbook.xml"]), as: UTF8.self)
        let ids = [
            "talent_headcount", "high_level_talent", "skilled_workers", "new_skilled_workers", "cross_border_export",
            "chief_technicians", "skill_leaders",
        ]
        #expect(
            workbook.contains(
                "<definedName name=\"talentstats_form\">\"1|2024-12|441900003|7|\(FormMarker.digest(ids))\"</definedName>"
            ))
        #expect(custom.contains("name=\"talentstats.metrics\"><vt:lpwstr>\(ids.joined(separator: ","))</vt:lpwstr>"))
    }

    /// The whole month collected as forms (33 districts, filled by openpyxl, three saved again by
    /// LibreOffice) gives the aggregates.csv of the same month sent as CSV, byte for byte.
    @Test func aMonthCollectedAsFormsGivesTheSameFiguresAsCSV() throws {
        let tmp = try TemporaryFolder()
        let run = try Self.template(
            ["--period", "2024-12", "--output", tmp.file("forms").path, "--reports", tmp.file("none").path], in: tmp)
        #expect(run.status == 0, "\(run.stderr)")
        let forms = try FileManager.default.contentsOfDirectory(atPath: tmp.file("forms/2024-12").path)
        #expect(forms.count == 33)
        try FileManager.default.copyItem(at: Self.sample, to: tmp.file("input"))
        try FileManager.default.removeItem(at: tmp.file("input/raw/2024/2024-12.csv"))
        try WorkbookInputTests.python([
            "fill-forms", tmp.file("forms/2024-12").path,
            Self.sample.appendingPathComponent("raw/2024/2024-12.csv").path,
            tmp.file("input/raw/2024/12").path,
        ])
        let resaved = ["2024-12-东城街道.xlsx", "2024-12-南城街道.xlsx", "2024-12-松山湖高新区.xlsx"]
        #expect(resaved.allSatisfy(forms.contains))
        try WorkbookInputTests.resaveWithLibreOffice(
            resaved.map { tmp.file("input/raw/2024/12/\($0)") }, in: tmp)

        let csv = try Binary.run(
            ["report", "--period", "2024-12", "--input", Self.sample.path, "--output", tmp.file("csv-out").path],
            in: tmp.url)
        let book = try Binary.run(
            [
                "report", "--period", "2024-12", "--input", tmp.file("input").path, "--output",
                tmp.file("xlsx-out").path,
            ],
            in: tmp.url)
        #expect(csv.status == 0 && book.status == 0, "\(book.stderr)")
        let a = try Data(contentsOf: tmp.file("csv-out/2024-12/aggregates.csv"))
        let b = try Data(contentsOf: tmp.file("xlsx-out/2024-12/aggregates.csv"))
        #expect(a == b)
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.file("xlsx-out/2024-12/manifest.json")))
                as? [String: Any])
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        let returned = inputs.filter { ($0["path"] as? String)?.hasPrefix("2024/12/") == true }
        #expect(returned.count == 33)
        #expect(
            returned.allSatisfy {
                ($0["form"] as? [String: String])?["period"] == "2024-12" && $0["status"] as? String == "used"
            })
    }

    /// A form whose locked cells were changed (after unprotecting it), or whose rows or sheet were
    /// changed, is rejected whole with the reason; the good form beside it is used.
    @Test func aFormWithChangedLockedCellsIsRejected() throws {
        let tmp = try TemporaryFolder()
        #expect(
            try Self.template(
                ["--period", "2024-12", "--district", "441900003", "--output", tmp.file("forms").path], in: tmp
            ).status == 0)
        let form = tmp.file("forms/2024-12/2024-12-东城街道.xlsx")
        let input = try WorkbookInputTests.input(tmp)
        try WorkbookInputTests.python(["tamper", form.path, input.appendingPathComponent("raw/tampered").path])
        try WorkbookInputTests.python([
            "fill-forms", tmp.file("forms/2024-12").path,
            Self.sample.appendingPathComponent("raw/2024/2024-12.csv").path,
            input.appendingPathComponent("raw/good").path,
        ])
        let run = try WorkbookInputTests.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        var reasons: [String: String] = [:]
        for line in try WorkbookInputTests.rejects(folder) {
            let f = line.split(separator: ",", maxSplits: 3).map(String.init)
            #expect(f[1] == "0" && f[2] == "bad_file", "\(line)")
            reasons[f[0]] = f[3]
        }
        let expected = [
            "period.xlsx": "a form for 2024-12 whose cell A7 says “2024-11”",
            "district.xlsx": "a form for 东城街道 whose cell B6 says “南城街道”",
            // openpyxl drops custom properties: the defined name's digest of the metrics tells.
            "metric.xlsx": "whose metrics were changed",
            "unit.xlsx": "row 10 no longer holds 跨境电商出口额 (时期, 万元)",
            "row-added.xlsx": "rows were added, removed or moved",
            "renamed-sheet.xlsx": "a form without its sheet 填报表 (it was renamed or removed)",
            // A swapped header would read the reference column as the values.
            "header-swapped.xlsx": "header row 5 is not 统计期|镇街|指标|指标类型|计量单位|数值|上期数（参考）|备注",
            "kind.xlsx": "row 6 no longer holds 人才总量 (时点, 人)",
            // Aliases the field rules accept are still changes to a locked cell.
            "metric-id.xlsx": "row 6 no longer holds 人才总量 (时点, 人)",
            "district-code.xlsx": "a form for 东城街道 whose cell B6 says “441900003”",
        ]
        #expect(Set(reasons.keys) == Set(expected.keys.map { "tampered/\($0)" }))
        for (name, phrase) in expected {
            #expect(
                reasons["tampered/\(name)"]?.contains(phrase) == true, "\(name): \(reasons["tampered/\(name)"] ?? "-")")
        }
        let csv = try String(contentsOf: Self.sample.appendingPathComponent("raw/2024/2024-12.csv"), encoding: .utf8)
        let dongcheng = try #require(csv.split(separator: "\n").first { $0.hasPrefix("202412,东城,人才总量,") })
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == String(dongcheng.split(separator: ",")[3]))
    }

    /// A district's name never leads a form out of its folder, and never fails the file system.
    @Test func formFileNamesAreSafe() {
        func name(_ text: String) -> String {
            FormTemplate.fileName(
                period: YearMonth(year: 2024, month: 12)!,
                district: District(code: "441900004", name: text, shortName: "x", type: .town))
        }
        #expect(name("南城街道") == "2024-12-南城街道.xlsx")
        #expect(name("x/../../../../escaped") == "2024-12-x_.._.._.._.._escaped.xlsx")
        #expect(name("..") == "2024-12-_..xlsx")
        #expect(name("a:b*c?\"<>|\\d") == "2024-12-a_b_c______d.xlsx")
        #expect(name(String(repeating: "长", count: 90)) == "2024-12-\(String(repeating: "长", count: 60)).xlsx")
    }

    /// An unknown district is a usage error, quiet or not.
    @Test func anUnknownDistrictIsAUsageError() throws {
        let tmp = try TemporaryFolder()
        for quiet in [[], ["--quiet"]] {
            let run = try Self.template(["--period", "2024-12", "--district", "火星"] + quiet, in: tmp)
            #expect(run.status == 64, "\(quiet)")
        }
    }
}
