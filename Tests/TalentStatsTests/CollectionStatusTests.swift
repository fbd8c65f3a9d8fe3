import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// 报送情况, worked out by hand: 东城 complete on time (CSV), 南城 a form with three of five metrics,
/// 万江 complete but after the deadline, the other 30 districts missing.
@Suite struct CollectionStatusTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func setUp(_ tmp: TemporaryFolder) throws -> URL {
        let input = try WorkbookInputTests.input(tmp)
        func month(_ district: String) -> String {
            "统计期,镇街,指标,数值\n"
                + ["人才总量", "高层次人才", "技能人才", "新增技能人才", "跨境电商出口额", "首席技师", "技能领军人才"].enumerated().map {
                    "2024-12,\(district),\($1),\($0 + 1)\n"
                }.joined()
        }
        let a = try tmp.write("input/raw/a.csv", month("东城"))
        let b = try tmp.write("input/raw/b.csv", month("万江"))
        #expect(
            try Binary.run(
                [
                    "template", "--period", "2024-12", "--input", input.path, "--district", "南城", "--output",
                    tmp.file("forms").path,
                ],
                in: tmp.url
            ).status == 0)
        #expect(
            try Binary.run(
                [
                    "template", "--period", "2024-12", "--input", input.path, "--district", "石碣", "--output",
                    tmp.file("forms").path,
                ],
                in: tmp.url
            ).status == 0)
        // 南城 fills three metrics; 石碣 changes a locked cell, so its form is refused.
        let fill = """
            import openpyxl
            wb = openpyxl.load_workbook("\(tmp.file("forms/2024-12/2024-12-南城街道.xlsx").path)")
            ws = wb["填报表"]
            ws["F6"] = 10; ws["F7"] = 11; ws["F10"] = 12.5
            wb.save("\(input.appendingPathComponent("raw/南城.xlsx").path)")
            wb = openpyxl.load_workbook("\(tmp.file("forms/2024-12/2024-12-石碣镇.xlsx").path)")
            ws = wb["填报表"]
            ws["F6"] = 1; ws["A7"] = "2024-11"
            wb.save("\(input.appendingPathComponent("raw/石碣.xlsx").path)")
            """
        try WorkbookInputTests.python(code: fill)
        let times = [
            (a, "2025-01-03T10:00:00+08:00"), (b, "2025-01-06T09:00:00+08:00"),
            (input.appendingPathComponent("raw/南城.xlsx"), "2025-01-05T23:59:00+08:00"),
        ]
        for (url, time) in times {
            try FileManager.default.setAttributes([.modificationDate: date(time)], ofItemAtPath: url.path)
        }
        return input
    }

    @Test func theManifestAndTheSheetSayWhoSentWhatAndWhen() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let run = try WorkbookInputTests.report(input, tmp.file("out"))
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-12")
        let manifest = try WorkbookInputTests.manifest(folder)
        let c = try #require(manifest["collection"] as? [String: Any])
        #expect(c["deadline"] as? String == "2025-01-05T23:59:59+08:00")
        #expect(c["complete"] as? Int == 2 && c["incomplete"] as? Int == 1)
        #expect(c["missing"] as? Int == 29 && c["rejected"] as? Int == 1 && c["late"] as? Int == 1)
        let districts = try #require(c["districts"] as? [[String: Any]])
        #expect(districts.count == 33)
        func entry(_ code: String) throws -> [String: Any] {
            try #require(districts.first { $0["code"] as? String == code })
        }
        let dongcheng = try entry("441900003")
        #expect(dongcheng["state"] as? String == "complete" && dongcheng["late"] as? Bool == false)
        let files = try #require(dongcheng["files"] as? [[String: Any]])
        #expect(files.count == 1)
        #expect(files[0]["path"] as? String == "a.csv" && files[0]["kind"] as? String == "csv")
        #expect(files[0]["modified"] as? String == "2025-01-03T10:00:00+08:00" && files[0]["used"] as? Int == 7)
        let nancheng = try entry("441900004")
        #expect(nancheng["state"] as? String == "incomplete" && nancheng["late"] as? Bool == false)
        #expect(nancheng["used"] as? Int == 3)
        #expect(
            nancheng["missing_metrics"] as? [String] == [
                "skilled_workers", "new_skilled_workers", "chief_technicians", "skill_leaders",
            ])
        #expect(((nancheng["files"] as? [[String: Any]])?.first?["kind"] as? String) == "form")
        let wanjiang = try entry("441900005")
        #expect(wanjiang["state"] as? String == "complete" && wanjiang["late"] as? Bool == true)
        let shijie = try entry("441900101")
        #expect(shijie["state"] as? String == "rejected" && shijie["used"] as? Int == 0)
        let refused = try #require((shijie["files"] as? [[String: Any]])?.first)
        #expect(refused["path"] as? String == "石碣.xlsx" && refused["kind"] as? String == "form")
        #expect(refused["rejected"] as? Int == 1)
        let humen = try entry("441900102")
        #expect(humen["state"] as? String == "missing" && (humen["files"] as? [Any])?.isEmpty == true)

        let book = try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-12.xlsx"))
        let sheet = try #require(book.sheet("报送情况"))
        var rows: [String: [String]] = [:]
        for r in 5...37 {
            guard case .string(let code)? = sheet["A\(r)"]?.value else { continue }
            rows[code] = ["C", "D", "E", "F", "G", "H", "I"].map { sheet["\($0)\(r)"].map { "\($0.value!)" } ?? "" }
        }
        #expect(rows.count == 33)
        #expect(rows["441900003"] == ["已报齐", "a.csv", "CSV", "2025-01-03 10:00", "7.0", "0.0", "—"])
        #expect(
            rows["441900004"] == [
                "部分缺报", "南城.xlsx", "填报表", "2025-01-05 23:59", "3.0", "0.0", "技能人才、新增技能人才、首席技师、技能领军人才",
            ])
        #expect(rows["441900005"]?.first == "已报齐（逾期）")
        #expect(rows["441900101"]?.first == "报表被拒收")
        #expect(rows["441900101"]?[5] == "1.0")
        #expect(rows["441900102"]?.first == "未报送")
    }

    @Test func statusPrintsTheSameAndItsExitSaysWhetherAnyoneIsMissingOrLate() throws {
        let tmp = try TemporaryFolder()
        let input = try Self.setUp(tmp)
        let run = try Binary.run(["status", "--period", "2024-12", "--input", input.path], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "报送情况 2024-12: due 2025-01-05 23:59 (Asia/Shanghai); 2 complete, 1 incomplete, 29 missing, 1 rejected, 1 late"
        )
        #expect(lines.contains { $0.hasPrefix("441900005 万江街道") && $0.hasSuffix("[complete, late]") })
        #expect(
            lines.contains {
                $0.hasPrefix("441900004 南城街道")
                    && $0.contains("missing skilled_workers,new_skilled_workers,chief_technicians,skill_leaders")
            })
        #expect(lines.contains("    a.csv (csv, 2025-01-03 10:00, 7 used)"))
        // Two days' grace: 万江 is on time.
        let later = try Binary.run(
            ["status", "--period", "2024-12", "--input", input.path, "--deadline-day", "7"], in: tmp.url)
        #expect(
            later.stdout.hasPrefix(
                "报送情况 2024-12: due 2025-01-07 23:59 (Asia/Shanghai); 2 complete, 1 incomplete, 29 missing, 1 rejected, 0 late"
            ))
    }

    /// Early in the round nobody has sent the month yet: everyone is missing, exit 2 (not a failure).
    @Test func aMonthNobodySentYetIsEveryoneMissing() throws {
        let tmp = try TemporaryFolder()
        let input = try WorkbookInputTests.input(tmp)
        try tmp.write("input/raw/2024-11.csv", "统计期,镇街,指标,数值\n2024-11,东城,人才总量,1\n")
        let run = try Binary.run(["status", "--period", "2024-12", "--input", input.path], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(
            run.stdout.hasPrefix(
                "报送情况 2024-12: due 2025-01-05 23:59 (Asia/Shanghai); 0 complete, 0 incomplete, 33 missing, 0 rejected, 0 late"
            ))
    }
}
