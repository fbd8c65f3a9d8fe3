import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// The form's optional enterprise sheet (企业明细): written by `template --enterprise`, filled by an
/// independent writer (openpyxl), read back by `report` with the credit-code check and the rule
/// between a metric's 填报表 total and its enterprise rows (``FormTotals``).
@Suite struct FormDetailTests {
    /// Two valid codes: the example of GB 32100-2015 itself, and a published code (Bank of China).
    static let codeA = "91350100M000100Y43"
    static let codeB = "91110000802100433B"

    /// 东城's form with the enterprise sheet, written once per test.
    static func form(_ tmp: TemporaryFolder, enterprise: Bool = true) throws -> URL {
        let run = try FormTests.template(
            ["--period", "2024-12", "--district", "东城", "--output", tmp.file("forms").path]
                + (enterprise ? ["--enterprise"] : []), in: tmp)
        #expect(run.status == 0, "\(run.stderr)")
        return tmp.file("forms/2024-12/2024-12-东城街道.xlsx")
    }

    /// Fills `form` as `spec` says (see workbooks.py `fill`) into the input's raw/NAME and reports.
    static func report(_ tmp: TemporaryFolder, _ form: URL, _ spec: [String: Any], name: String = "东城.xlsx")
        throws -> (status: Int32, folder: URL, rejects: [[String]], agg: [String: String])
    {
        let input = tmp.file("input")
        if !FileManager.default.fileExists(atPath: input.path) { _ = try WorkbookInputTests.input(tmp) }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        try WorkbookInputTests.python(["fill", form.path, input.appendingPathComponent("raw/\(name)").path, json])
        let out = tmp.file("out-\(UUID().uuidString)")
        let run = try WorkbookInputTests.report(input, out)
        let folder = out.appendingPathComponent("2024-12")
        let rejects = try WorkbookInputTests.rejects(folder).map {
            $0.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        }
        return (run.status, folder, rejects, try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv")))
    }

    static func month(_ agg: [String: String], _ metric: String) -> String? {
        agg["2024-12,441900003,\(metric),month"]
    }

    /// The sheet as written: header, open columns, the credit-code check, protection that lets
    /// rows be inserted, and the marker saying the form has the sheet.
    @Test func theEnterpriseSheetIsWrittenAndMarked() throws {
        let tmp = try TemporaryFolder()
        let book = try XlsxReadBack(url: try Self.form(tmp))
        #expect(book.sheets.map(\.name) == ["填报表", "企业明细"])
        let sheet = try #require(book.sheet("企业明细"))
        let header = ["A5", "B5", "C5", "D5", "I5", "J5"].map { sheet[$0]?.value }
        #expect(
            header
                == ["统一社会信用代码", "企业名称", "人才总量（人）", "高层次人才（人）", "技能领军人才（人）", "备注"].map { .string($0) })
        #expect(sheet.xml.contains("insertRows=\"0\"") && sheet.xml.contains("<sheetProtection sheet=\"1\""))
        #expect(sheet.xml.contains("type=\"custom\"") && sheet.xml.contains("sqref=\"A6:A1048576\""))
        #expect(sheet.xml.contains("SUMPRODUCT") && sheet.xml.contains("0123456789ABCDEFGHJKLMNPQRTUWXY"))
        // The data validation formula fits Excel's limit of 255 characters.
        #expect(FormTemplate.creditCodeFormula("A6").count <= 255)
        let custom = String(decoding: try #require(book.parts["docProps/custom.xml"]), as: UTF8.self)
        #expect(custom.contains("name=\"talentstats.detail\"><vt:lpwstr>企业明细</vt:lpwstr>"))
        let workbook = String(decoding: try #require(book.parts["xl/workbook.xml"]), as: UTF8.self)
        #expect(workbook.contains("|d\"</definedName>"))
        // Without --enterprise: one sheet and no detail marker.
        let plain = try TemporaryFolder()
        let one = try XlsxReadBack(url: try Self.form(plain, enterprise: false))
        #expect(one.sheets.count == 1)
        #expect(
            !String(decoding: try #require(one.parts["docProps/custom.xml"]), as: UTF8.self).contains(
                "talentstats.detail"))
    }

    /// A metric given enterprise by enterprise is the sum of its rows; its 填报表 value is a check
    /// when it equals that sum, and it may be left empty; a metric without rows is its 填报表 value.
    @Test func enterpriseRowsAreTheDistrictsFigureAndTheTotalIsTheirCheck() throws {
        let tmp = try TemporaryFolder()
        let r = try Self.report(
            tmp, try Self.form(tmp),
            [
                // 人才总量 300 = 100 + 200 (a check); 高层次人才 empty, rows 5 + 3; 技能人才 50, no rows.
                "填报表": ["F6": 300, "F8": 50],
                "企业明细": [
                    "A6": Self.codeA, "B6": "甲公司", "C6": 100, "D6": 5, "A7": Self.codeB, "B7": "乙公司", "C7": 200,
                    "D7": 3,
                ],
            ])
        #expect(r.status == 2)  // the other 32 districts have sent nothing (报送情况)
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(Self.month(r.agg, "talent_headcount") == "300")
        #expect(Self.month(r.agg, "high_level_talent") == "8")
        #expect(Self.month(r.agg, "skilled_workers") == "50")
        #expect(Self.month(r.agg, "new_skilled_workers") == nil)
        // Observations: four enterprise cells and one 填报表 value; the check total is none.
        let manifest = try WorkbookInputTests.manifest(r.folder)
        let totals = try #require(manifest["totals"] as? [String: Any])
        let rows = try #require(totals["observations"] as? [String: Any])
        #expect(rows["read"] as? Int == 5 && rows["used"] as? Int == 5 && rows["rejected"] as? Int == 0)
    }

    /// A total that is not the sum of its rows: neither is used, each says both figures, located
    /// in its own sheet; the other metrics are used.
    @Test func aTotalThatDisagreesRejectsTheMetric() throws {
        let tmp = try TemporaryFolder()
        let r = try Self.report(
            tmp, try Self.form(tmp),
            [
                "填报表": ["F6": 301, "F8": 50],
                "企业明细": ["A6": Self.codeA, "C6": 100, "A7": Self.codeB, "C7": 200],
            ])
        #expect(r.status == 2)
        #expect(
            r.rejects.map { [$0[0], $0[1], $0[2]] } == [
                ["东城.xlsx!填报表", "6", "bad_value"], ["东城.xlsx!企业明细", "6", "bad_value"],
                ["东城.xlsx!企业明细", "7", "bad_value"],
            ])
        #expect(r.rejects[0][3].hasPrefix("cell F6: the 填报表 total F6 of talent_headcount (301) is not the sum"))
        #expect(r.rejects[0][3].contains("(300)"))
        #expect(r.rejects[1][3].hasPrefix("cell C6: "))
        #expect(r.rejects[2][3].hasPrefix("cell C7: "))
        #expect(Self.month(r.agg, "talent_headcount") == nil)
        #expect(Self.month(r.agg, "skilled_workers") == "50")
        // The officials' text names the cell and both figures.
        let book = try XlsxReadBack(url: r.folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let texts = book.sheets.flatMap {
            $0.cells.values.compactMap { cell -> String? in
                if case .string(let s)? = cell.value { return s } else { return nil }
            }
        }
        #expect(texts.contains { $0.contains("F6单元格：填报表 F6 单元格的“人才总量”合计 301 与企业明细 2 家之和 300 不符") })
    }

    /// A row with a bad credit code is rejected for it (at column A); with a total, the metric can
    /// no longer be checked and its other rows and total are rejected too; without one, the other
    /// rows count. A repeated code is a duplicate; a value without a code is a missing field.
    @Test func creditCodesAreChecked() throws {
        let tmp = try TemporaryFolder()
        let form = try Self.form(tmp)
        let typo = "91350100M000100Y44"
        let r = try Self.report(
            tmp, form,
            [
                "填报表": ["F6": 300],
                "企业明细": [
                    "A6": Self.codeA, "C6": 100, "D6": 1, "A7": typo, "C7": 200, "D7": 2, "A8": Self.codeA.lowercased(),
                    "D8": 4, "A9": Self.codeA, "D9": 8, "D10": 16, "A11": Self.codeB, "D11": 32,
                ],
            ])
        #expect(r.status == 2)
        let found = r.rejects.map { "\($0[0].split(separator: "!").last!),\($0[1]),\($0[2])" }
        #expect(
            found == [
                "填报表,6,bad_value",  // 人才总量: the total cannot be checked (row 7 is rejected)
                "企业明细,6,bad_value",  // … so its C6 is not used
                "企业明细,7,bad_value", "企业明细,7,bad_value",  // the typo, in 人才总量 and in 高层次人才
                "企业明细,8,bad_value",  // lower case
                "企业明细,9,duplicate",  // codeA again (高层次人才)
                "企业明细,10,missing_field",  // no code
            ], "\(r.rejects)")
        #expect(
            r.rejects[2][3].contains("cell A7: unified social credit code '\(typo)' fails the GB 32100 check character")
        )
        #expect(r.rejects[4][3].contains("lower-case"))
        #expect(r.rejects[0][3].contains("of its 2 enterprise rows in 企业明细, 1 is rejected for a reason of its own"))
        #expect(r.rejects[5][3].contains("line 6"))
        // 高层次人才 has no total: the good rows count (D6 1 + D11 32).
        #expect(Self.month(r.agg, "high_level_talent") == "33")
        #expect(Self.month(r.agg, "talent_headcount") == nil)
    }

    /// The sheet renamed, removed, added to a form sent without it, or its header changed: the
    /// form is rejected whole, saying why.
    @Test func aChangedEnterpriseSheetRejectsTheForm() throws {
        let tmp = try TemporaryFolder()
        let form = try Self.form(tmp)
        let plain = try TemporaryFolder()
        let plainForm = try Self.form(plain, enterprise: false)
        let cases: [(String, URL, [String: Any], String)] = [
            ("renamed.xlsx", form, ["_rename": ["企业明细": "Sheet2"]], "comes back without it"),
            ("removed.xlsx", form, ["_delete": ["企业明细"]], "comes back without it"),
            ("added.xlsx", plainForm, ["_add": ["企业明细"]], "comes back with one"),
            ("header.xlsx", form, ["企业明细": ["C5": "人才数"]], "has not the header"),
        ]
        let input = try WorkbookInputTests.input(tmp)
        // A good file beside them, so the run publishes.
        try "统计期,镇街,指标,数值\n202412,南城,人才总量,7\n".write(
            to: input.appendingPathComponent("raw/good.csv"), atomically: true, encoding: .utf8)
        for (name, source, spec, _) in cases {
            var spec = spec
            spec["填报表"] = ["F6": 1]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
            try WorkbookInputTests.python(["fill", source.path, input.appendingPathComponent("raw/\(name)").path, json])
        }
        let run = try WorkbookInputTests.report(input, tmp.file("out"))
        #expect(run.status == 2)
        let rejects = try WorkbookInputTests.rejects(tmp.file("out/2024-12")).map {
            $0.split(separator: ",", maxSplits: 3).map(String.init)
        }
        for (name, _, _, phrase) in cases {
            let r = try #require(rejects.first { $0[0] == name }, "\(name)")
            #expect(r[1] == "0" && r[2] == "bad_file" && r[3].contains(phrase), "\(name): \(r)")
        }
    }

    /// A table whose entity column is headed 统一社会信用代码 holds credit codes: each is checked.
    /// Under a neutral header (entity, 主体) any identifier is accepted, as before.
    @Test func aCSVColumnOfCreditCodesIsChecked() throws {
        let tmp = try TemporaryFolder()
        let input = try WorkbookInputTests.input(tmp)
        let rows = "202412,东城,人才总量,10,人,\(Self.codeA)\n202412,东城,人才总量,20,人,91350100M000100Y44\n"
        try ("统计期,镇街,指标,数值,计量单位,统一社会信用代码\n" + rows).write(
            to: input.appendingPathComponent("raw/a.csv"), atomically: true, encoding: .utf8)
        try ("period,district,metric,value,unit,entity\n" + rows.replacingOccurrences(of: "202412", with: "202411"))
            .write(to: input.appendingPathComponent("raw/b.csv"), atomically: true, encoding: .utf8)
        let run = try WorkbookInputTests.report(input, tmp.file("out"))
        #expect(run.status == 2)
        let rejects = try WorkbookInputTests.rejects(tmp.file("out/2024-12"))
        #expect(rejects.count == 1)
        #expect(rejects.first?.hasPrefix("a.csv,3,bad_value,column 6: unified social credit code") == true)
        let agg = try Fixtures.aggregates(tmp.file("out/2024-12/aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "10")
        #expect(agg["2024-11,441900003,talent_headcount,month"] == "30")
    }
}

@Suite struct CreditCodeTests {
    @Test func knownCodesPassAndEverySingleSubstitutionFails() {
        for code in [FormDetailTests.codeA, FormDetailTests.codeB] {
            let bytes = Array(code.utf8)
            #expect(CreditCode.isValid(bytes))
            // The weights 3^(i-1) mod 31 are all prime to 31: any one character changed is caught.
            for i in 0..<18 {
                for c in CreditCode.alphabet where c != bytes[i] {
                    var changed = bytes
                    changed[i] = c
                    #expect(!CreditCode.isValid(changed), "\(String(decoding: changed, as: UTF8.self))")
                }
            }
        }
    }

    @Test func theCheckCharacterIsComputedAsTheStandardSays() {
        // Σ c(i)·w(i) for 91350100M000100Y4, by hand: 9·1 + 1·3 + 3·9 + 5·27 + 0 + 1·26 + 0 + 0
        // + M(21)·20 + 0 + 0 + 0 + 1·8 + 0 + 0 + Y(30)·30 + 4·28 = 9+3+27+135+26+420+8+900+112 = 1640;
        // 1640 mod 31 = 28; 31 − 28 = 3 → "3".
        #expect(CreditCode.checkCharacter(of: Array("91350100M000100Y4".utf8)) == UInt8(ascii: "3"))
        #expect(CreditCode.problem(Array("91350100M000100Y4".utf8))?.english.contains("17 characters") == true)
        #expect(CreditCode.problem(Array("91350100M000100O43".utf8))?.english.contains("never has") == true)
    }
}

/// A cell (month, district, metric) is reported either as one district total or entity by entity,
/// never both summed: within a file the first kind counts, and a later file that reports the cell
/// the other way replaces every earlier observation of it.
@Suite struct CellGrainTests {
    static let a = FormDetailTests.codeA
    static let b = FormDetailTests.codeB

    /// Runs a report on CSV files (name → body, header added) and returns the 东城 人才总量 figure,
    /// the rejections and the manifest's per-file accounting.
    static func run(_ files: [(String, String)]) throws -> (
        figure: String?, rejects: [String], accounting: [String: [String: Int]], replacedCells: Int?
    ) {
        let tmp = try TemporaryFolder()
        let input = try WorkbookInputTests.input(tmp)
        for (name, body) in files {
            try ("统计期,镇街,指标,数值,计量单位,统一社会信用代码\n" + body).write(
                to: input.appendingPathComponent("raw/\(name)"), atomically: true, encoding: .utf8)
        }
        let run = try WorkbookInputTests.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")  // 32 districts missing
        let folder = tmp.file("out/2024-12")
        let manifest = try WorkbookInputTests.manifest(folder)
        var accounting: [String: [String: Int]] = [:]
        for input in try #require(manifest["inputs"] as? [[String: Any]]) {
            accounting[input["path"] as! String] = input["rows"] as? [String: Int]
        }
        let totals = try #require(manifest["totals"] as? [String: Any])
        #expect((totals["balanced"] as? Bool) == true)
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        return (
            agg["2024-12,441900003,talent_headcount,month"], try WorkbookInputTests.rejects(folder), accounting,
            totals["cell_replacements"] as? Int
        )
    }

    @Test func aLaterFileGivingEntitiesReplacesTheTotal() throws {
        let r = try Self.run([
            ("a.csv", "202412,东城,人才总量,500,人,\n"),
            ("b.csv", "202412,东城,人才总量,100,人,\(Self.a)\n202412,东城,人才总量,200,人,\(Self.b)\n"),
        ])
        #expect(r.figure == "300")
        #expect(r.rejects.isEmpty)
        #expect(r.accounting["a.csv"]?["superseded"] == 1 && r.accounting["a.csv"]?["used"] == 0)
        #expect(r.accounting["b.csv"]?["used"] == 2)
        #expect(r.replacedCells == 1)
    }

    @Test func aLaterTotalReplacesTheEntitiesAndBackAgain() throws {
        let entities = "202412,东城,人才总量,100,人,\(Self.a)\n202412,东城,人才总量,200,人,\(Self.b)\n"
        let r = try Self.run([("a.csv", entities), ("b.csv", "202412,东城,人才总量,250,人,\n")])
        #expect(r.figure == "250")
        #expect(r.accounting["a.csv"]?["superseded"] == 2)
        // Total, then entities, then a total again: the first total's key is taken again.
        let back = try Self.run([
            ("a.csv", "202412,东城,人才总量,500,人,\n"), ("b.csv", entities), ("c.csv", "202412,东城,人才总量,260,人,\n"),
        ])
        #expect(back.figure == "260")
        #expect(back.accounting["a.csv"]?["superseded"] == 1 && back.accounting["b.csv"]?["superseded"] == 2)
        #expect(back.accounting["c.csv"]?["used"] == 1)
        #expect(back.replacedCells == 2)
    }

    /// In one file, a 合计 row beside its entities (either order) is not added to them.
    @Test func aFileGivingBothKeepsTheFirstKind() throws {
        let total = "202412,东城,人才总量,300,人,\n"
        let entities = "202412,东城,人才总量,100,人,\(Self.a)\n202412,东城,人才总量,200,人,\(Self.b)\n"
        let last = try Self.run([("a.csv", entities + total)])
        #expect(last.figure == "300")
        #expect(last.rejects.count == 1)
        #expect(
            last.rejects.first?.hasPrefix("a.csv,4,duplicate,\"a district total of 2024-12 东城街道 talent_headcount")
                == true
        )
        let first = try Self.run([("a.csv", total + entities.replacingOccurrences(of: ",100,", with: ",1,"))])
        #expect(first.figure == "300")
        #expect(first.rejects.map { String($0.prefix(16)) } == ["a.csv,3,duplicat", "a.csv,4,duplicat"])
        #expect(first.rejects.first?.contains("an entity of 2024-12 东城街道 talent_headcount") == true)
    }

    /// A form returned with totals only, then again with enterprise rows whose sum its total
    /// checks: the district's figure is the rows', counted once.
    @Test func aResubmittedFormWithEnterpriseRowsIsCountedOnce() throws {
        let tmp = try TemporaryFolder()
        let form = try FormDetailTests.form(tmp)
        _ = try FormDetailTests.report(tmp, form, ["填报表": ["F6": 290]], name: "东城.xlsx")
        let r = try FormDetailTests.report(
            tmp, form,
            ["填报表": ["F6": 300], "企业明细": ["A6": Self.a, "C6": 100, "A7": Self.b, "C7": 200]],
            name: "东城-v2.xlsx")
        #expect(r.rejects.isEmpty)
        #expect(FormDetailTests.month(r.agg, "talent_headcount") == "300")
        let inputs = try #require(try WorkbookInputTests.manifest(r.folder)["inputs"] as? [[String: Any]])
        let first = try #require(inputs.first { $0["path"] as? String == "东城.xlsx" })
        #expect((first["rows"] as? [String: Int])?["superseded"] == 1)
    }
}

/// What a hostile review found, each a class of input: a resubmitted form that lists fewer
/// enterprises, a repeated code beside a control total, a formula or a merged range in one value
/// cell, a value beyond the sheet's columns, and credit codes with characters of other scripts.
@Suite struct FormDetailReviewTests {
    static let a = FormDetailTests.codeA
    static let b = FormDetailTests.codeB

    @Test func aResubmittedFormIsTheWholeReturnOfEachCellItReports() throws {
        let tmp = try TemporaryFolder()
        let form = try FormDetailTests.form(tmp)
        _ = try FormDetailTests.report(
            tmp, form, ["填报表": ["F6": 300, "F8": 9], "企业明细": ["A6": Self.a, "C6": 100, "A7": Self.b, "C7": 200]],
            name: "东城.xlsx")
        // v2: 人才总量 from enterprise a alone (its total says so); 技能人才 not reported again.
        let r = try FormDetailTests.report(
            tmp, form, ["填报表": ["F6": 100], "企业明细": ["A6": Self.a, "C6": 100]], name: "东城-v2.xlsx")
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(FormDetailTests.month(r.agg, "talent_headcount") == "100")
        #expect(FormDetailTests.month(r.agg, "skilled_workers") == "9")  // a cell v2 does not report stays
        let manifest = try WorkbookInputTests.manifest(r.folder)
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        let first = try #require(inputs.first { $0["path"] as? String == "东城.xlsx" })
        #expect(
            (first["rows"] as? [String: Int]) == [
                "read": 3, "used": 1, "superseded": 2, "rejected": 0, "out_of_scope": 0,
            ])
        #expect(((manifest["totals"] as? [String: Any])?["cell_replacements"] as? Int) == 1)
    }

    @Test func aRepeatedCodeBesideAControlTotalIsRejectedWithIt() throws {
        let tmp = try TemporaryFolder()
        let r = try FormDetailTests.report(
            tmp, try FormDetailTests.form(tmp),
            ["填报表": ["F6": 150, "F8": 5], "企业明细": ["A6": Self.a, "C6": 100, "A7": Self.a, "C7": 50]])
        #expect(FormDetailTests.month(r.agg, "talent_headcount") == nil)
        #expect(FormDetailTests.month(r.agg, "skilled_workers") == "5")
        #expect(
            r.rejects.map { "\($0[0].split(separator: "!").last!),\($0[1]),\($0[2])" } == [
                "填报表,6,bad_value", "企业明细,6,bad_value", "企业明细,7,bad_value",
            ])
        #expect(r.rejects[0][3].contains("1 repeats the credit code of an earlier row"))
        let totals = try #require(try WorkbookInputTests.manifest(r.folder)["totals"] as? [String: Any])
        #expect((totals["observations"] as? [String: Int])?["read"] == 4)
    }

    /// One bad value cell is one rejected observation; the row's other cells count.
    @Test func aFormulaOrAMergedValueIsThatCellsProblemOnly() throws {
        let tmp = try TemporaryFolder()
        let r = try FormDetailTests.report(
            tmp, try FormDetailTests.form(tmp),
            [
                "企业明细": ["A6": Self.a, "C6": 100, "D6": "=C6*2", "E6": 7, "A7": Self.b, "C7": 40],
                "_merge": ["企业明细!C7:D7"],
            ])
        #expect(FormDetailTests.month(r.agg, "talent_headcount") == "140")
        #expect(FormDetailTests.month(r.agg, "high_level_talent") == nil)
        #expect(FormDetailTests.month(r.agg, "skilled_workers") == "7")
        #expect(
            r.rejects.map { "\($0[1]),\($0[2]),\($0[3].drop { $0 == "\"" }.prefix(30))" } == [
                "6,bad_value,cell D6 holds the formula =C6*", "7,bad_value,cell D7 is part of a merged ra",
            ])
        let totals = try #require(try WorkbookInputTests.manifest(r.folder)["totals"] as? [String: Any])
        #expect(
            (totals["observations"] as? [String: Int]) == [
                "read": 5, "used": 3, "rejected": 2, "superseded": 0, "out_of_scope": 0,
            ])
    }

    @Test func aValueBeyondTheColumnsIsNamedInChinese() throws {
        let tmp = try TemporaryFolder()
        let r = try FormDetailTests.report(
            tmp, try FormDetailTests.form(tmp), ["填报表": ["F8": 5], "企业明细": ["A6": Self.a, "C6": 100, "K6": "x"]])
        #expect(r.rejects.count == 1)
        #expect(r.rejects.first.map { [$0[1], $0[2]] } == ["6", "bad_row"])
        let book = try XlsxReadBack(url: r.folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let texts = book.sheets.flatMap {
            $0.cells.values.compactMap { cell -> String? in
                if case .string(let s)? = cell.value { return s } else { return nil }
            }
        }
        #expect(texts.contains { $0.contains("K6单元格在表头各列之外有内容") })
    }

    @Test func codesWithCharactersOfOtherScriptsAreNamedAsSuch() {
        for code in ["91350100M000100Y4号", "91350100М000100Y43", "91350\u{AD}100M000100Y4"] {
            #expect(CreditCode.problem(Array(code.utf8))?.english.contains("never has") == true, "\(code)")
        }
    }
}

/// A filled enterprise form saved again by LibreOffice (a foreign writer's package: its own part
/// layout, shared strings and styles) gives the same figures and the same accounting.
@Suite struct FormDetailLibreOfficeTests {
    @Test func aFormSavedAgainByLibreOfficeGivesTheSameFigures() throws {
        let tmp = try TemporaryFolder()
        let form = try FormDetailTests.form(tmp)
        let spec: [String: Any] = [
            "填报表": ["F6": 300, "F8": 50, "F10": 12.5],
            "企业明细": [
                "A6": FormDetailTests.codeA, "B6": "甲公司", "C6": 100, "D6": 5, "G6": 10.25,
                "A7": FormDetailTests.codeB, "B7": "乙公司", "C7": 200, "G7": 2.25,
            ],
        ]
        let plain = try FormDetailTests.report(tmp, form, spec)
        let again = try TemporaryFolder()
        let input = try WorkbookInputTests.input(again)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let file = input.appendingPathComponent("raw/东城.xlsx")
        try WorkbookInputTests.python(["fill", form.path, file.path, json])
        try WorkbookInputTests.resaveWithLibreOffice([file], in: again)
        let run = try WorkbookInputTests.report(input, again.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = again.file("out/2024-12")
        #expect(try WorkbookInputTests.rejects(folder).isEmpty)
        #expect(plain.rejects.isEmpty)
        let a = try Data(contentsOf: plain.folder.appendingPathComponent("aggregates.csv"))
        let b = try Data(contentsOf: folder.appendingPathComponent("aggregates.csv"))
        #expect(a == b)
        #expect(FormDetailTests.month(plain.agg, "talent_headcount") == "300")
        #expect(FormDetailTests.month(plain.agg, "cross_border_export") == "12.5")
        let totals = try #require(try WorkbookInputTests.manifest(folder)["totals"] as? [String: Any])
        #expect((totals["observations"] as? [String: Int])?["read"] == 6)  // 5 enterprise cells + 技能人才
    }
}

/// `check` names a replaced cell as the cause of the figures it moved.
@Suite struct ReplacedCellExplanationTests {
    @Test func checkNamesTheFileThatReplacedTheCell() throws {
        let tmp = try TemporaryFolder()
        let input = try WorkbookInputTests.input(tmp)
        let header = "统计期,镇街,指标,数值,计量单位,统一社会信用代码\n"
        try (header + "202412,东城,人才总量,500,人,\n202412,南城,人才总量,70,人,\n").write(
            to: input.appendingPathComponent("raw/a.csv"), atomically: true, encoding: .utf8)
        #expect(try WorkbookInputTests.report(input, tmp.file("out")).status == 2)
        try (header + "202412,东城,人才总量,100,人,\(FormDetailTests.codeA)\n202412,东城,人才总量,200,人,\(FormDetailTests.codeB)\n")
            .write(to: input.appendingPathComponent("raw/b.csv"), atomically: true, encoding: .utf8)
        let run = try Binary.run(
            [
                "check", "--period", "2024-12", "--input", input.path, "--baseline",
                tmp.file("out/2024-12/aggregates.csv").path,
            ], in: tmp.url)
        #expect(run.status == 1)
        #expect(
            run.stdout.contains("changed  2024-12  441900003 东城街道  talent_headcount 人才总量  month         500       300"))
        #expect(
            run.stdout.contains(
                "← b.csv:2 reports 2024-12 东城街道 talent_headcount entity by entity, replacing a.csv (1 row) whole"))
    }
}

/// A credit code pasted as a number has lost its digits beyond Excel's 15: it is refused as such,
/// never read as the (other, perhaps valid) code it has become.
@Suite struct NumericCreditCodeTests {
    @Test func aCodeStoredAsANumberIsRefused() throws {
        let tmp = try TemporaryFolder()
        // 914419000000027013 kept as 9.14419000000027E+17 reads back as 914419000000027000,
        // a valid code (its check character is 0): it must not count.
        #expect(CreditCode.isValid(Array("914419000000027000".utf8)))
        let r = try FormDetailTests.report(
            tmp, try FormDetailTests.form(tmp),
            [
                "填报表": ["F6": 300, "F8": 5],
                "企业明细": [
                    "A6": 914_419_000_000_027_013, "C6": 100, "A7": FormDetailTests.codeB, "C7": 200,
                ],
            ])
        #expect(
            r.rejects.map { "\($0[0].split(separator: "!").last!),\($0[1]),\($0[2])" } == [
                "填报表,6,bad_value", "企业明细,6,bad_value", "企业明细,7,bad_value",
            ])
        #expect(r.rejects[1][3].contains("cell A6 holds the unified social credit code as a number"))
        #expect(r.rejects[0][3].contains("(the others sum to 200)"))
        #expect(FormDetailTests.month(r.agg, "talent_headcount") == nil)
        #expect(FormDetailTests.month(r.agg, "skilled_workers") == "5")
    }
}
