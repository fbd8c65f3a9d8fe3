import Foundation
import TestSupport
import Testing

/// The real binary, run as a subprocess on real files.
@Suite struct EndToEndTests {
    @Test func smallFixtureGivesHandComputedFiguresAndAccounting() throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        let run = try Binary.run(
            ["report", "--period", "2024-02", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        // Rejected rows and a district missing in the report month: published with findings.
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-02")
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        let expected: [String: String] = [
            "2023-12,100000,export,month": "0.3",
            "2024-01,100000002,export,month": "0.5",  // the resubmission, not 7000 元
            "2024-01,100000001,export,month": "1.5",  // 15000 元 in a GB18030 wide file
            "2024-02,100000001,export,month": "2",  // "20,000" 元
            "2024-02,100000003,export,month": "3",  // metric by English name
            "2024-02,100000,export,ytd": "8",
            "2024-02,100000001,people,month": "120",  // full-width digits
            "2024-02,100000,people,month": "120",
            "2024-02,100000,people,mom": "-0.5",
            "2024-02,100000001,export,share": "0.4375",
            "2024-02,100000003,export,rank": "2",
            "2024-01,100000002,people,rank": "2",
            "2024-01,100000003,people,rank": "2",
            "2023,100000,people,annual": "160",
            "2024,100000002,people,annual": "60",
            "2024,100000002,people,months": "1",
        ]
        for (key, value) in expected { #expect(agg[key] == value, "\(key)") }
        #expect(agg["2024-02,100000002,people,month"] == nil)
        #expect(agg["2024-03,100000001,people,month"] == nil)  // out of scope
        #expect(agg.count == 141)

        let rejects = try String(contentsOf: folder.appendingPathComponent("rejects.csv"), encoding: .utf8).split(
            separator: "\n")
        #expect(rejects.count == 1 + 12)
        let codes = rejects.dropFirst().map { line -> String in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return "\(fields[0]):\(fields[1]):\(fields[2])"
        }
        #expect(
            codes == [
                "b/2024-02.csv:8:bad_period", "b/2024-02.csv:9:unknown_district", "b/2024-02.csv:10:unknown_metric",
                "b/2024-02.csv:11:bad_value", "b/2024-02.csv:12:bad_unit", "b/2024-02.csv:13:missing_field",
                "b/2024-02.csv:14:duplicate", "b/2024-02.csv:15:bad_row", "b/2024-02.csv:16:bad_value",
                "b/2024-02.csv:17:unknown_district", "d/garbage.csv:0:bad_file", "d/nocolumn.csv:0:bad_file",
            ])

        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
                as? [String: Any])
        let totals = try #require(manifest["totals"] as? [String: Any])
        let rows = try #require(totals["observations"] as? [String: Int])
        #expect(rows == ["read": 28, "used": 16, "rejected": 10, "out_of_scope": 1, "superseded": 1])
        #expect(totals["files"] as? [String: Int] == ["listed": 6, "used": 4, "rejected": 2, "not_read": 0])
        let inputs = try #require(manifest["inputs"] as? [[String: Any]])
        #expect(
            inputs.map { $0["path"] as? String } == [
                "a/2023.csv", "b/2024-01.csv", "b/2024-02.csv", "c/resubmit.csv", "d/garbage.csv", "d/nocolumn.csv",
            ])
        #expect(inputs.map { $0["encoding"] as? String } == ["UTF-8", "GB18030", "UTF-8 (BOM)", "UTF-8", nil, "UTF-8"])
        #expect(inputs.map { $0["format"] as? String } == ["long", "wide", "long", "long", nil, nil])
        #expect((inputs[1]["rows"] as? [String: Int])?["superseded"] == 1)
        let findings = try #require(manifest["findings"] as? [String: Any])
        #expect(findings["districts_missing"] as? [String] == ["100000002"])
        let outputs = try #require(manifest["outputs"] as? [[String: Any]])
        for output in outputs {
            let name = try #require(output["path"] as? String)
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect(output["bytes"] as? Int == data.count)
            #expect((output["sha256"] as? String)?.count == 64)
        }

        // The workbook reads back with the same figures and with input text as text.
        let book = try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-02.xlsx"))
        let export = try #require(book.sheet("出口额"))
        #expect(export["B5"]?.value == .string("甲街道"))
        #expect(export["C5"]?.value == .number(2))
        #expect(export["D5"]?.value == .number(3.5))
        #expect(export["H5"]?.value == .number(0.4375))
        #expect(export["B8"]?.value == .string("全市合计"))
        #expect(export["D8"]?.formula == "SUM(D5:D7)")
        #expect(export["D8"]?.value == .number(8))
        let people = try #require(book.sheet("人员"))
        #expect(people["C6"]?.value == .string("—"))  // 乙 did not report: the symbol, never 0
        let rejectSheet = try #require(book.sheet("拒收明细"))
        // 文件, 行号, 列号, 原因代码, 原因, 原始内容, 说明: the first rejection is line 8's bad period in column 1.
        #expect(rejectSheet["A5"]?.value == .string("b/2024-02.csv"))
        #expect(rejectSheet["B5"]?.value == .number(8))
        #expect(rejectSheet["C5"]?.value == .number(1))
        #expect(rejectSheet["D5"]?.value == .string("bad_period"))
        #expect(rejectSheet["E5"]?.value == .string("统计期错误"))
        #expect(rejectSheet["F5"]?.value == .string("“2024-13”"))
        #expect(rejectSheet["G5"]?.value == .string("第1列统计期“2024-13”不是有效月份，应为 2024-01、202401、2024/01 或 2024年1月 等形式"))
        #expect(rejectSheet["H5"]?.value.map { "\($0)".hasPrefix("column 1: period '2024-13'") } == true)
    }

    /// A resubmission that repeats values supersedes them without listing them as revisions; the
    /// one value it changes is listed, with both files and lines, and moves its figures.
    @Test func unchangedResubmittedValuesAreSupersededButNotRevisions() throws {
        let tmp = try TemporaryFolder()
        _ = try Fixtures.copy("small", into: tmp)
        // After b/ and c/ in path order: 乙 export 2024-01 as c/resubmit.csv:2 has it, 甲 people
        // 2024-02 as b/2024-02.csv:2 (１２０), and 丙 people 2024-02 changed from 0 (b/2024-02.csv:3) to 1.
        try tmp.write(
            "input/raw/e/again.csv",
            "period,district,metric,value,unit\n2024-01,乙,export,0.50,万元\n2024-02,甲,people,120,\n2024-02,丙,people,1,\n")
        let run = try Binary.run(["report", "--period", "2024-02", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let folder = tmp.file("out/2024-02")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
                as? [String: Any])
        let totals = try #require(manifest["totals"] as? [String: Any])
        // c/resubmit.csv revises b/2024-01.csv (7000 元 → 0.5 万元); e/again.csv revises one more.
        #expect(totals["revisions"] as? Int == 2)
        #expect((totals["observations"] as? [String: Any])?["superseded"] as? Int == 4)
        #expect(totals["balanced"] as? Bool == true)
        let agg = try Fixtures.aggregates(folder.appendingPathComponent("aggregates.csv"))
        #expect(agg["2024-02,100000003,people,month"] == "1")
        #expect(agg["2024-02,100000,people,month"] == "121")
        #expect(agg["2024-01,100000002,export,month"] == "0.5")

        let book = try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-02.xlsx"))
        let sheet = try #require(book.sheet("修订记录"))
        #expect(sheet["A2"]?.value == .string("后报文件（按路径顺序在后）中的同一统计期、镇街、指标替代先报数据，共 2 条；另有 2 条后报数据与原值相同（已替代，数值未变，不列出）"))
        #expect(sheet["A6"]?.value == .string("2024-02"))
        #expect(sheet["B6"]?.value == .string("丙园区"))
        #expect(sheet["E6"]?.value == .number(0))
        #expect(sheet["F6"]?.value == .number(1))
        #expect(sheet["H6"]?.value == .string("b/2024-02.csv"))
        #expect(sheet["I6"]?.value == .number(3))
        #expect(sheet["J6"]?.value == .string("e/again.csv"))
        #expect(sheet["K6"]?.value == .number(4))
        #expect(sheet["A7"] == nil)
    }

    @Test func exitStatusesForUsageAndFailures() throws {
        let tmp = try TemporaryFolder()
        let usage = try Binary.run(["report", "--period", "2024-13"], in: tmp.url)
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("--period"))

        let noInput = try Binary.run(
            ["report", "--period", "2024-02", "--input", tmp.file("nowhere").path], in: tmp.url)
        #expect(noInput.status == 1)
        #expect(noInput.stderr.contains("nowhere"))

        let input = try Fixtures.copy("small", into: tmp)
        let noData = try Binary.run(
            ["report", "--period", "2021-01", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(noData.status == 1)
        #expect(noData.stderr.contains("no usable data for the report period 2021-01"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2021-01").path))

        try "code,name,short_name,type\n100000,测试市,测试,city\n1,甲,甲,town\n1,乙,乙,village\n".write(
            to: input.appendingPathComponent("reference/districts.csv"), atomically: true, encoding: .utf8)
        let badReference = try Binary.run(
            ["report", "--period", "2024-02", "--input", input.path, "--output", tmp.file("out").path], in: tmp.url)
        #expect(badReference.status == 1)
        #expect(badReference.stderr.contains("districts.csv:4: type 'village'"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-02").path))
    }

    @Test func validateWritesNothing() throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        let run = try Binary.run(["validate", "--period", "2024-02", "--input", input.path], in: tmp.url)
        #expect(run.status == 2)
        #expect(run.stdout.contains("observations: 28 read = 16 used + 10 rejected + 1 out of scope + 1 superseded"))
        #expect(run.stdout.contains("b/2024-02.csv:8: bad_period:"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path) == ["input"])
    }
}
