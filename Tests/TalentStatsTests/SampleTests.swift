import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// The shipped sample input (`input/`), run through the real binary.
@Suite(.serialized) struct SampleTests {
    static let input = Binary.packageRoot.appendingPathComponent("input")

    /// One report of the sample, shared by the tests of this suite.
    final class Report: @unchecked Sendable {
        let tmp: TemporaryFolder
        let folder: URL
        let result: Binary.Result
        init() throws {
            tmp = try TemporaryFolder()
            result = try Binary.run(
                ["report", "--period", "2024-12", "--input", SampleTests.input.path, "--output", tmp.file("out").path],
                in: tmp.url)
            folder = tmp.file("out/2024-12")
        }
    }

    static let report = Result { try Report() }

    @Test func exitsCleanAndReproducesThePublishedDongchengFigures() throws {
        let report = try Self.report.get()
        #expect(report.result.status == 0, "\(report.result.stderr)")
        #expect(report.result.stdout.contains("talent-report-2024-12.xlsx"))
        let agg = try Fixtures.aggregates(report.folder.appendingPathComponent("aggregates.csv"))
        let dongcheng = "441900003"
        #expect(agg["2023,\(dongcheng),talent_headcount,annual"] == "267500")
        #expect(agg["2023-12,\(dongcheng),talent_headcount,month"] == "267500")
        #expect(agg["2023,\(dongcheng),talent_headcount,annual_rank"] == "2")
        #expect(agg["2023-12,\(dongcheng),talent_headcount,rank"] == "2")
        #expect(agg["2023,\(dongcheng),high_level_talent,annual"] == "27200")
        #expect(agg["2023,\(dongcheng),new_skilled_workers,annual"] == "13673")
        #expect(agg["2023-12,\(dongcheng),new_skilled_workers,ytd"] == "13673")
        // The honours: 47 chief technicians and 13 skill leaders, both first in the city.
        #expect(agg["2023,\(dongcheng),chief_technicians,annual"] == "47")
        #expect(agg["2023,\(dongcheng),chief_technicians,annual_rank"] == "1")
        #expect(agg["2023,\(dongcheng),skill_leaders,annual"] == "13")
        #expect(agg["2023,\(dongcheng),skill_leaders,annual_rank"] == "1")
        #expect(agg["2023-12,\(dongcheng),chief_technicians,rank"] == "1")
        // Calibrated to the city's published magnitudes: of the order of 2.5 million talents in 2023
        // (not more than twice that), skilled workers over 3 million.
        let city2023 = try #require(agg["2023,441900,talent_headcount,annual"].flatMap(Int.init))
        #expect(city2023 > 1_950_000 && city2023 <= 5_000_000)
        #expect(try #require(agg["2023,441900,skilled_workers,annual"].flatMap(Int.init)) > 3_000_000)
        let export2023 = try #require(agg["2023,\(dongcheng),cross_border_export,annual"].flatMap(Double.init))
        let export2022 = try #require(agg["2022,\(dongcheng),cross_border_export,annual"].flatMap(Double.init))
        #expect(export2023 > 1_200_000)
        #expect(export2022 < 1_200_000)
        // The resubmission (2024-05.v2.csv) replaced the two figures it repeats: 南城 1,205,530 → 120,553
        // and 常平 16,554.85 → 17,554.85 万元.
        #expect(agg["2024-05,441900004,talent_headcount,month"] == "120553")
        #expect(agg["2024-05,441900110,cross_border_export,month"] == "17554.85")
    }

    @Test func accountingBalancesAndEveryFileIsUsed() throws {
        let report = try Self.report.get()
        let manifest = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: report.folder.appendingPathComponent("manifest.json"))) as? [String: Any])
        let totals = try #require(manifest["totals"] as? [String: Any])
        // 36 months × 33 districts × 7 metrics (2024-12 of five districts from their returned forms),
        // plus the 2 rows of the resubmission; 松山湖's form gives 高层次人才 as 8 enterprise rows and
        // 跨境电商出口额 as 5, their 填报表 totals being checks, not observations: + 13 − 2.
        #expect(
            totals["observations"] as? [String: Int] == [
                "read": 8329, "used": 8327, "rejected": 0, "out_of_scope": 0, "superseded": 2,
            ])
        #expect(totals["cell_replacements"] as? Int == 0)
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        #expect(inputs.count == 42)
        // The five forms, recognised by their marker, each its district's 2024-12.
        let forms = inputs.compactMap { $0["form"] as? [String: String] }
        #expect(forms.count == 5 && forms.allSatisfy { $0["period"] == "2024-12" })
        #expect(
            Set(forms.compactMap { $0["district"] })
                == ["441900004", "441900005", "441900006", "441900101", "441900401"])
        #expect(inputs.contains { $0["encoding"] as? String == "GB18030" })
        #expect(inputs.contains { $0["format"] as? String == "wide" })
        #expect(
            try String(contentsOf: report.folder.appendingPathComponent("rejects.csv"), encoding: .utf8)
                == "file,line,code,message\n")
    }

    /// Every numeric cell of the per-metric and annual sheets equals `aggregates.csv`, and every
    /// "—" stands where `aggregates.csv` has no figure.
    @Test func workbookReadsBackEqualToAggregates() throws {
        let report = try Self.report.get()
        let agg = try Fixtures.aggregates(report.folder.appendingPathComponent("aggregates.csv"))
        let book = try XlsxReadBack(url: report.folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let metrics = [
            ("talent_headcount", "人才总量"), ("high_level_talent", "高层次人才"), ("skilled_workers", "技能人才"),
            ("new_skilled_workers", "新增技能人才"), ("cross_border_export", "跨境电商出口额"), ("chief_technicians", "首席技师"),
            ("skill_leaders", "技能领军人才"),
        ]
        var checked = 0
        func compare(_ cell: XlsxReadBack.Cell?, _ key: String) {
            switch cell?.value {
            case .number(let n):
                #expect(agg[key].flatMap(Double.init) == n, "\(key)")
            case .string(let s):
                #expect(s == "—", "\(key)")
                #expect(agg[key] == nil, "\(key)")
            default:
                Issue.record("no cell for \(key)")
            }
            checked += 1
        }
        for (id, name) in metrics {
            let sheet = try #require(book.sheet(name))
            let measures = ["month", "ytd", "ytd_prev", "yoy", "mom", "share", "rank"]
            for row in 5...38 {
                guard case .string(let code)? = sheet["A\(row)"]?.value else {
                    Issue.record("no code in \(name)!A\(row)")
                    continue
                }
                for (offset, measure) in measures.enumerated() where !(code == "441900" && offset >= 5) {
                    let column = String(UnicodeScalar(UInt8(67 + offset)))  // C…I
                    compare(sheet["\(column)\(row)"], "2024-12,\(code),\(id),\(measure)")
                }
            }
            let annual = try #require(book.sheet("\(name)（年度）"))
            for column in ["C", "D", "E", "F", "G"] {
                guard case .string(let header)? = annual["\(column)4"]?.value else {
                    Issue.record("no header \(column)4")
                    continue
                }
                let year = String(header.prefix(4))
                let measure = header.contains("同比") ? "annual_yoy" : "annual"
                for row in 5...38 {
                    guard case .string(let code)? = annual["A\(row)"]?.value else { continue }
                    compare(annual["\(column)\(row)"], "\(year),\(code),\(id),\(measure)")
                }
            }
        }
        #expect(checked == 7 * (33 * 7 + 5) + 7 * 5 * 34)
    }

    /// The totals are formulas over the district rows, stored with a value that the district
    /// cells add up to (so a recalculating reader shows the same number).
    @Test func totalsAreSumFormulasThatRecalculateTheSame() throws {
        let report = try Self.report.get()
        let book = try XlsxReadBack(url: report.folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        for name in ["人才总量", "高层次人才", "技能人才", "新增技能人才", "跨境电商出口额"] {
            let sheet = try #require(book.sheet(name))
            for column in ["C", "D", "E"] {
                let total = try #require(sheet["\(column)38"])
                #expect(total.formula == "SUM(\(column)5:\(column)37)", "\(name)!\(column)38")
                var sum = Decimal(0)
                for row in 5...37 {
                    if case .number(let n)? = sheet["\(column)\(row)"]?.value { sum += Decimal(string: String(n))! }
                }
                guard case .number(let stored)? = total.value else {
                    Issue.record("no value in \(name)!\(column)38")
                    continue
                }
                #expect(sum == Decimal(string: String(stored))!, "\(name)!\(column)38")
            }
        }
    }

    /// Every sheet is linked from the cover's contents, and every link points at a sheet.
    @Test func contentsLinkEverySheet() throws {
        let report = try Self.report.get()
        let book = try XlsxReadBack(url: report.folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let cover = try #require(book.sheet("说明"))
        let locations = cover.xml.components(separatedBy: "location=\"").dropFirst().compactMap {
            $0.split(separator: "\"").first
        }
        .map { $0.replacingOccurrences(of: "&apos;", with: "'") }
        let linked = Set(
            locations.map { location -> String in
                let sheet = location.split(separator: "!").first.map(String.init) ?? ""
                return sheet.trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            })
        // Every sheet but the hidden chart data is linked.
        let visible = Set(book.sheets.map(\.name)).subtracting(["图表数据"])
        #expect(linked == visible, "\(linked.symmetricDifference(visible))")
        #expect(
            book.parts["xl/workbook.xml"].map {
                String(decoding: $0, as: UTF8.self).contains("name=\"图表数据\" sheetId=\"26\" state=\"hidden\"")
            } == true)
        // Cover, overview, 7 metrics, 7 annual, trend, 6 data-quality sheets (报送情况 among them),
        // 已发布数据修订, 注释, chart data.
        #expect(book.sheets.count == 26)
    }

    /// A real spreadsheet application opens the workbook: LibreOffice converts every sheet to CSV
    /// without error, and the figures it reads equal aggregates.csv.
    @Test func libreOfficeOpensItAndReadsTheSameFigures() throws {
        let report = try Self.report.get()
        guard
            let soffice = ["/usr/bin/soffice", "/usr/local/bin/soffice"].first(
                where: FileManager.default.isExecutableFile(atPath:))
        else {
            Issue.record("LibreOffice (soffice) is not installed; scripts/install-deps.sh --office installs it")
            return
        }
        let tmp = try TemporaryFolder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        // Sheet -1: one CSV per sheet; UTF-8 (76); values, not as shown.
        process.arguments = [
            "-env:UserInstallation=file://\(tmp.file("profile").path)", "--headless", "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir", tmp.file("csv").path, report.folder.appendingPathComponent("talent-report-2024-12.xlsx").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let sheets = try FileManager.default.contentsOfDirectory(atPath: tmp.file("csv").path)
        #expect(sheets.count == 26)
        let agg = try Fixtures.aggregates(report.folder.appendingPathComponent("aggregates.csv"))
        func number(_ text: Substring) -> Double? {
            let plain = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "\"", with: "")
            if plain.hasSuffix("%") { return Double(plain.dropLast()).map { $0 / 100 } }
            return Double(plain)
        }
        var compared = 0
        for (id, name) in [("talent_headcount", "人才总量"), ("cross_border_export", "跨境电商出口额")] {
            let csv = try String(contentsOf: tmp.file("csv/talent-report-2024-12-\(name).csv"), encoding: .utf8)
            for line in csv.split(separator: "\n") where line.hasPrefix("441900") {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                let code = String(cells[0])
                for (offset, measure) in ["month", "ytd", "ytd_prev", "yoy", "mom"].enumerated() {
                    guard let expected = agg["2024-12,\(code),\(id),\(measure)"].flatMap(Double.init),
                        let shown = number(cells[2 + offset])
                    else { continue }
                    #expect(
                        abs(shown - expected) <= 1e-9 * max(1, abs(expected)),
                        "\(name) \(code) \(measure): \(shown) vs \(expected)")
                    compared += 1
                }
            }
        }
        #expect(compared == 2 * 34 * 5)
    }

    @Test func sameInputGivesByteIdenticalOutputs() throws {
        let report = try Self.report.get()
        let again = try TemporaryFolder()
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", Self.input.path, "--output", again.file("out").path],
            in: again.url)
        #expect(run.status == 0)
        for name in ["talent-report-2024-12.xlsx", "aggregates.csv", "rejects.csv", "manifest.json"] {
            let first = try Data(contentsOf: report.folder.appendingPathComponent(name))
            let second = try Data(contentsOf: again.file("out/2024-12/\(name)"))
            #expect(first == second, "\(name) differs between runs")
        }
    }

    @Test func committedSampleIsWhatTheGeneratorMakes() throws {
        let tmp = try TemporaryFolder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Binary.packageRoot.appendingPathComponent("scripts/generate-sample.py").path,
            "--output", tmp.file("raw").path, "--reference",
            Self.input.appendingPathComponent("reference/districts.csv").path,
        ]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let committed = Self.input.appendingPathComponent("raw")
        let files = try FileManager.default.subpathsOfDirectory(atPath: committed.path).filter { $0.hasSuffix(".csv") }
            .sorted()
        let generated = try FileManager.default.subpathsOfDirectory(atPath: tmp.file("raw").path).filter {
            $0.hasSuffix(".csv")
        }.sorted()
        #expect(files == generated)
        for file in files {
            #expect(
                try Data(contentsOf: committed.appendingPathComponent(file))
                    == Data(contentsOf: tmp.file("raw/\(file)")), "\(file)")
        }
    }

    /// The committed forms hold what the generator writes into them (their cells and marker; their
    /// zip timestamps differ between runs): generated again with the built binary and openpyxl.
    @Test func committedFormsAreWhatTheGeneratorMakes() throws {
        let tmp = try TemporaryFolder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            Binary.packageRoot.appendingPathComponent("scripts/generate-sample.py").path, "--output",
            tmp.file("raw").path, "--reference", Self.input.appendingPathComponent("reference/districts.csv").path,
            "--forms", Binary.url.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let committed = Self.input.appendingPathComponent("raw/2024/12-forms")
        let names = try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted()
        #expect(names.count == 5)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: tmp.file("raw/2024/12-forms").path).sorted() == names)
        for name in names {
            let a = try XlsxReadBack(url: committed.appendingPathComponent(name))
            let b = try XlsxReadBack(url: tmp.file("raw/2024/12-forms/\(name)"))
            let sa = try #require(a.sheet("填报表"))
            let sb = try #require(b.sheet("填报表"))
            #expect(sa.cells == sb.cells, "\(name)")
            #expect(a.sheet("企业明细")?.cells == b.sheet("企业明细")?.cells, "\(name)")
            #expect((a.sheet("企业明细") != nil) == name.contains("松山湖"), "\(name)")
            if let detail = a.sheet("企业明细") {
                // 高层次人才 (column D) over 8 enterprises with valid codes, summing to the form's F7.
                let rows = (6...13).map { r -> (code: String, value: Double) in
                    guard case .string(let code)? = detail["A\(r)"]?.value,
                        case .number(let v)? = detail["D\(r)"]?.value
                    else { return ("", -1) }
                    return (code, v)
                }
                #expect(rows.allSatisfy { CreditCode.isValid(Array($0.code.utf8)) && $0.value > 0 })
                #expect(.number(rows.reduce(0) { $0 + $1.value }) == sa["F7"]?.value)
            }
            #expect(
                a.parts["xl/workbook.xml"].map { String(decoding: $0, as: UTF8.self).contains("talentstats_form") }
                    == true)
        }
    }
}
