import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// The release store and what it marks, through the real binary, with figures worked out by hand.
///
/// The input (the `small` fixture's reference: 甲 乙 丙, `people` a stock, `export` a flow):
/// 2023-01 甲 100, 乙 50 people; 2024-01 甲 110, 乙 60 and 丙 30 (丙 enters the scope). Release 1
/// reports 2024-01. Then 2024-02 arrives (甲 115, 乙 61, 丙 31) with a resubmission of 2024-01 乙 = 65:
/// release 2 reports 2024-02.
@Suite struct ReleaseTests {
    static let reference = Binary.packageRoot.appendingPathComponent("Tests/TalentStatsTests/Fixtures/small/reference")

    func setUp() throws -> TemporaryFolder {
        let tmp = try TemporaryFolder()
        try FileManager.default.createDirectory(at: tmp.file("input"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.reference, to: tmp.file("input/reference"))
        _ = try tmp.write(
            "input/raw/2024-01.csv",
            """
            period,district,metric,value,unit
            2023-01,甲,people,100,人
            2023-01,乙,people,50,人
            2024-01,甲,people,110,人
            2024-01,乙,people,60,人
            2024-01,丙,people,30,人
            2023-01,甲,export,10,万元
            2024-01,甲,export,12,万元

            """)
        return tmp
    }

    func addFebruary(_ tmp: TemporaryFolder) throws {
        _ = try tmp.write(
            "input/raw/2024-02.csv",
            """
            period,district,metric,value,unit
            2024-02,甲,people,115,人
            2024-02,乙,people,61,人
            2024-02,丙,people,31,人
            2024-02,甲,export,8,万元

            """)
        _ = try tmp.write("input/raw/2024-01.v2.csv", "period,district,metric,value,unit\n2024-01,乙,people,65,人\n")
    }

    func report(_ tmp: TemporaryFolder, _ period: String, environment: [String: String] = [:]) throws -> Binary.Result {
        try Binary.run(
            ["report", "--input", "input", "--output", "out", "--period", period], in: tmp.url, environment: environment
        )
    }

    /// flags.csv as (key, flag) → (previous value, previous release).
    func flags(_ url: URL) throws -> [String: String] {
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.removeFirst() == "period,district_code,metric,measure,flag,previous_value,previous_release")
        var result: [String: String] = [:]
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            result[f[0...4].joined(separator: ",")] = f[5...6].joined(separator: ",")
        }
        return result
    }

    func sqlite(_ database: URL, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database.path, sql]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func twoMonthlyRunsMarkExactlyWhatTheirInputsRevised() throws {
        let tmp = try setUp()
        let first = try report(tmp, "2024-01")
        // Exit 2: 丙 sends no export (a finding), which changes nothing here.
        #expect(first.status == 2, "\(first.stderr)")
        let a1 = try Fixtures.aggregates(tmp.file("out/2024-01/aggregates.csv"))
        // 同比 counts the entrant 丙; 可比同比 does not: (110 + 60) / (100 + 50) − 1 against 200 / 150 − 1.
        #expect(a1["2024-01,100000,people,yoy"] == "0.333333")
        #expect(a1["2024-01,100000,people,yoy_comparable"] == "0.133333")
        let f1 = try flags(tmp.file("out/2024-01/flags.csv"))
        #expect(!f1.keys.contains { $0.hasSuffix(",revised") })
        #expect(f1["2024-01,100000,people,month,provisional"] == ",")
        #expect(f1["2024,100000001,people,annual,provisional"] == ",")
        #expect(f1["2024-01,100000,people,ytd_prev,provisional"] == nil, "last year's data is not provisional")
        #expect(f1["2023,100000,people,annual,provisional"] == nil)

        try addFebruary(tmp)
        let second = try report(tmp, "2024-02")
        #expect(second.status == 2, "\(second.stderr)")
        let f2 = try flags(tmp.file("out/2024-02/flags.csv"))
        // 乙's 2024-01 goes from 60 to 65: the city 200 → 205, shares over 205, 同比 over 150 (and 50).
        let revised = f2.filter { $0.key.hasSuffix(",revised") }
        #expect(
            revised == [
                "2024-01,100000002,people,month,revised": "60,1",
                "2024-01,100000002,people,ytd,revised": "60,1",
                "2024-01,100000002,people,yoy,revised": "0.2,1",
                "2024-01,100000002,people,share,revised": "0.3,1",
                "2024-01,100000001,people,share,revised": "0.55,1",
                "2024-01,100000003,people,share,revised": "0.15,1",
                "2024-01,100000,people,month,revised": "200,1",
                "2024-01,100000,people,ytd,revised": "200,1",
                "2024-01,100000,people,yoy,revised": "0.333333,1",
                "2024-01,100000,people,yoy_comparable,revised": "0.133333,1",
            ])
        let a2 = try Fixtures.aggregates(tmp.file("out/2024-02/aggregates.csv"))
        #expect(a2["2024-01,100000002,people,share"] == "0.317073")  // 65 / 205
        #expect(a2["2024-01,100000,people,yoy_comparable"] == "0.166667")  // (110 + 65) / 150 − 1
        // Provisional marks move on: 2024-01 no longer, 2024-02 now; the year 2024 still.
        #expect(f2["2024-01,100000,people,month,provisional"] == nil)
        #expect(f2["2024-02,100000,people,month,provisional"] == ",")
        #expect(f2["2024,100000,people,annual,provisional"] == ",")
        // The year in progress grows with the month: not a revision.
        #expect(f2["2024,100000001,people,annual,revised"] == nil)

        // The store: two releases, readable by sqlite3, with every figure and mark.
        let store = tmp.file("out/releases.sqlite")
        #expect(
            try sqlite(store, "SELECT id, period, status, revised FROM release ORDER BY id")
                == "1|2024-01|published|0\n2|2024-02|published|10")
        #expect(
            try sqlite(
                store,
                "SELECT value FROM figure WHERE release_id = 1 AND period = '2024-01' AND district_code = '100000002' AND metric = 'people' AND measure = 'month'"
            ) == "60")
        #expect(try sqlite(store, "SELECT COUNT(*) FROM flag WHERE release_id = 2 AND flag = 'revised'") == "10")
        #expect(try sqlite(store, "PRAGMA user_version") == "\(ReleaseStore.schemaVersion)")
        let figures = try sqlite(store, "SELECT COUNT(*) FROM figure WHERE release_id = 2")
        #expect(Int(figures) == a2.count)

        // The workbook: 已发布数据修订 lists the ten with both values and the input row; the figures
        // carry [r] and [p] in their number format (the cell stays a number), read by openpyxl.
        let json = tmp.file("formats.json")
        try WorkbookInputTests.python(["formats", tmp.file("out/2024-02/talent-report-2024-02.xlsx").path, json.path])
        let sheets = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: [String: [Any]]]
        let list = try #require(sheets["已发布数据修订"])
        let rows = Set(list.keys.filter { $0.hasPrefix("A") }.map { String($0.dropFirst()) }.compactMap(Int.init))
            .filter { $0 > 4 }
        #expect(rows.count == 10)
        let yi = try #require(
            rows.first { r in list["C\(r)"]?.first as? String == "乙镇" && list["E\(r)"]?.first as? String == "当月" })
        #expect(list["H\(yi)"]?.first as? Double == 60)
        #expect(list["I\(yi)"]?.first as? Double == 65)
        #expect((list["K\(yi)"]?.first as? String)?.contains("2024-01.v2.csv:2") == true, "\(list["K\(yi)"] ?? [])")
        // Officials read it: the explanation is in Chinese (the analysts' `check` keeps English).
        #expect((list["K\(yi)"]?.first as? String)?.contains("修订") == true, "\(list["K\(yi)"] ?? [])")
        #expect((list["K\(yi)"]?.first as? String)?.contains("revises") == false, "\(list["K\(yi)"] ?? [])")
        let trend = try #require(sheets["月度趋势"])
        // Rows from 2023-01 (row 5): 2024-01 on row 17, 2024-02 on row 18.
        #expect(trend["A17"]?.first as? String == "2024-01")
        #expect(trend["B17"]?.first as? Double == 205)
        #expect(trend["B17"]?.last as? String == "#,##0\" [r]\"")
        #expect(trend["B18"]?.last as? String == "#,##0\" [p]\"")
        #expect(trend["B5"]?.first as? Double == 150)
        #expect(trend["B5"]?.last as? String == "#,##0", "2023-01: neither revised nor provisional")
        let cover = try #require(sheets["说明"])
        #expect(cover.values.contains { $0.first as? String == "符号说明" })
        #expect(cover.values.contains { $0.first as? String == "[r]" })
        #expect(sheets["注释"] != nil)

        // releases, release show, check against the latest release, diff of two release ids.
        let list1 = try Binary.run(["releases", "--output", "out"], in: tmp.url)
        #expect(list1.stdout.split(separator: "\n").count == 3, "\(list1.stdout)")
        let show = try Binary.run(["release", "show", "2", "--output", "out"], in: tmp.url)
        #expect(show.stdout.contains("revised: 10"), "\(show.stdout)")
        let check = try Binary.run(["check", "--input", "input", "--output", "out", "-q"], in: tmp.url)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("baseline: release 2"), "\(check.stdout)")
        let diff = try Binary.run(["diff", "1", "2", "--output", "out", "--input", "input"], in: tmp.url)
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("2024-01.v2.csv"), "\(diff.stdout)")
    }

    /// A run that fails or is killed at any step of publishing leaves the store with no release for
    /// it and the previous folder; killed after the folder is in place, the release counts.
    @Test func killedAndFailedRunsLeaveNoHalfRelease() throws {
        let tmp = try setUp()
        #expect(try report(tmp, "2024-01").status == 2)
        let store = tmp.file("out/releases.sqlite")
        let before = try Data(contentsOf: tmp.file("out/2024-01/manifest.json"))
        try addFebruary(tmp)

        // Failed after the pending release is recorded: discarded, folder unchanged.
        let failed = try report(tmp, "2024-01", environment: ["TALENTSTATS_TEST_HOOK": "fail:after-release-recorded"])
        #expect(failed.status == 1)
        #expect(try sqlite(store, "SELECT COUNT(*) FROM release") == "1")
        #expect(try Data(contentsOf: tmp.file("out/2024-01/manifest.json")) == before)

        // Killed inside the transaction, and after it before the swap: no release, same folder.
        for stage in ["release-recorded", "after-release-recorded"] {
            let run = try Binary.Background(
                ["report", "--input", "input", "--output", "out", "--period", "2024-01"], in: tmp.url,
                environment: ["TALENTSTATS_TEST_HOOK": "pause:\(stage):60"])
            #expect(run.wait(for: "paused at \(stage)"))
            run.kill()
            let listed = try Binary.run(["releases", "--output", "out"], in: tmp.url)
            #expect(listed.stdout.split(separator: "\n").count == 2, "\(stage): \(listed.stdout)")
            #expect(try Data(contentsOf: tmp.file("out/2024-01/manifest.json")) == before)
            #expect(try sqlite(store, "PRAGMA integrity_check") == "ok")
        }
        // Killed after the swap, before the release is marked published: the folder names it, so
        // readers list it, and the next run settles it as published.
        let run = try Binary.Background(
            ["report", "--input", "input", "--output", "out", "--period", "2024-02"], in: tmp.url,
            environment: ["TALENTSTATS_TEST_HOOK": "pause:before-release-published:60"])
        #expect(run.wait(for: "paused at before-release-published"))
        run.kill()
        let listed = try Binary.run(["releases", "--output", "out"], in: tmp.url)
        let ids = listed.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[0] }
        #expect(ids.count == 2, "\(listed.stdout)")
        let marker = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.file("out/2024-02/release.json")))
        #expect(String(describing: (marker as? [String: Any])?["release"] ?? "") == String(ids.last ?? ""))
        #expect(try report(tmp, "2024-02").status == 2)
        #expect(try sqlite(store, "SELECT COUNT(*) FROM release WHERE status = 'pending'") == "0")
        #expect(try sqlite(store, "SELECT COUNT(*) FROM release WHERE status = 'published'") == "3")
        #expect(try sqlite(store, "PRAGMA integrity_check") == "ok")
    }
}

extension ReleaseTests {
    /// The disk fills while the release is recorded (the folder fits, the store's transaction does
    /// not): the run fails saying to free disk space, the store is intact with its one release, and
    /// the previous folder is unchanged.
    @Test(.enabled(if: UnattendedRunTests.canMountTmpfs, "needs to mount a small tmpfs"))
    func aFullDiskWhileRecordingLeavesTheStoreIntact() throws {
        let tmp = try setUp()
        let disk = tmp.file("out")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        #expect(mount("tmpfs", disk.path, "tmpfs", 0, "size=4m") == 0)
        defer { umount(disk.path) }
        #expect(try report(tmp, "2024-01").status == 2)
        let before = try Data(contentsOf: tmp.file("out/2024-01/manifest.json"))
        // Leave room for the report folder again (and a little), not for the store's growth.
        let folder = try FileManager.default.contentsOfDirectory(atPath: disk.appendingPathComponent("2024-01").path)
            .reduce(0) { total, name in
                let attributes = try FileManager.default.attributesOfItem(
                    atPath: disk.appendingPathComponent("2024-01/\(name)").path)
                return total + ((attributes[.size] as? Int ?? 0) + 4095) / 4096 * 4096
            }
        var info = statvfs()
        #expect(statvfs(disk.path, &info) == 0)
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let filler = free - folder - 8192
        try #require(filler > 0)
        #expect(
            FileManager.default.createFile(
                atPath: disk.appendingPathComponent("filler").path, contents: Data(count: filler)))
        let full = try report(tmp, "2024-01")
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.contains("free disk space"), "\(full.stderr)")
        #expect(full.stderr.contains("release"), "the store's transaction is what did not fit: \(full.stderr)")
        let store = tmp.file("out/releases.sqlite")
        #expect(try sqlite(store, "PRAGMA integrity_check") == "ok")
        #expect(try sqlite(store, "SELECT COUNT(*) FROM release") == "1")
        #expect(try Data(contentsOf: tmp.file("out/2024-01/manifest.json")) == before)
    }
}

/// The store inserts figures many rows a statement: for counts around the batch size, every figure
/// reads back from the database file (through the sqlite3 program) with its key, value and first
/// release, in the order `aggregates.csv` has them.
@Suite struct ReleaseStoreBatchTests {
    @Test(arguments: [
        0, 1, ReleaseStore.figuresPerInsert - 1, ReleaseStore.figuresPerInsert,
        ReleaseStore.figuresPerInsert + 1, 2 * ReleaseStore.figuresPerInsert + 5,
    ])
    func everyFigureIsStored(count: Int) throws {
        let tmp = try TemporaryFolder()
        let store = try #require(try ReleaseStore.open(output: tmp.url, forWriting: true))
        var rows: [AggregateRow] = []
        for i in 0..<count {
            let period = String(format: "2024-%02d", 1 + i % 12)
            let key = AggregateKey(
                period: period, districtCode: String(100_000 + i / 12), metric: "people", measure: .month)
            let value = FixedDecimal(plain: Substring("\(i).5"))!
            rows.append(AggregateRow(key: key, value: .amount(value)))
        }
        let aggregates = Aggregates(
            rows: rows, firstMonth: YearMonth(year: 2024, month: 1), reportPeriod: YearMonth(year: 2024, month: 12)!)
        let marks = FigureMarks.compute(
            aggregates, published: Array(repeating: nil, count: count), provisionalMonths: 0, suppressed: [])
        try store.recordPending(
            ReleaseStore.Record(
                id: 1, period: YearMonth(year: 2024, month: 12)!, publishedAt: Date(), folder: "2024-12",
                manifestSHA256: "x", provisionalMonths: 0, aggregates: aggregates,
                published: Array(repeating: nil, count: count), marks: marks, inputs: []))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [
            tmp.file(ReleaseStore.fileName).path,
            "SELECT period, district_code, metric, measure, value, first_release FROM figure WHERE release_id = 1 ORDER BY period, district_code, metric, measure",
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = aggregates.rows.map {
            "\($0.key.period)|\($0.key.districtCode)|\($0.key.metric)|\($0.key.measure.rawValue)|\($0.value.text)|1"
        }
        #expect(text.split(separator: "\n").map(String.init) == expected)
    }
}
