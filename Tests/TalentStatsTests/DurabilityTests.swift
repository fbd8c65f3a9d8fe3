import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// A run that cannot keep every rejection, or that publishes without `RENAME_EXCHANGE`, never
/// loses the previous report nor publishes an incomplete one. Through the real binary.
@Suite struct DurabilityTests {
    /// Bad rows in the bulk file: more than ``RejectionLog/detailLimit``, so the log spills.
    static let bulkRejections = RejectionLog.detailLimit + 50

    func setUp() throws -> TemporaryFolder {
        let tmp = try TemporaryFolder()
        _ = try Fixtures.copy("small", into: tmp)
        return tmp
    }

    static let arguments = ["report", "--input", "input", "--output", "out", "--period", "2024-02"]

    func report(_ tmp: TemporaryFolder, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> Binary.Result
    {
        try Binary.run(Self.arguments + extra, in: tmp.url, environment: environment)
    }

    func background(_ tmp: TemporaryFolder, _ extra: [String], hook: String) throws -> Binary.Background {
        try Binary.Background(Self.arguments + extra, in: tmp.url, environment: ["TALENTSTATS_TEST_HOOK": hook])
    }

    /// Every file of a report folder, by name.
    func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    /// Hidden entries of the output folder other than the lock: staging and aside folders.
    func hidden(_ tmp: TemporaryFolder) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: tmp.file("out").path)
            .filter { $0.hasPrefix(".") && $0 != ".talentstats.lock" }.sorted()
    }

    /// Adds `input/raw/e/bulk.csv`, every row of which names a district that does not exist.
    func addBulkRejections(_ tmp: TemporaryFolder) throws {
        var text = "period,district,metric,value\n"
        text.reserveCapacity(Self.bulkRejections * 30 + 40)
        for _ in 0..<Self.bulkRejections { text += "2024-02,nowhere,people,1\n" }
        try tmp.write("input/raw/e/bulk.csv", text)
    }

    func organization(_ folder: URL) throws -> XlsxReadBack.CellValue? {
        try XlsxReadBack(url: folder.appendingPathComponent("talent-report-2024-02.xlsx")).sheet("说明")?["B4"]?.value
    }

    // MARK: - Defect 7: every rejection recorded, or nothing published

    @Test(arguments: ["missing", "file"])
    func spillFileCannotBeCreated(_ kind: String) throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let before = try snapshot(tmp.file("out/2024-02"))
        try addBulkRejections(tmp)
        let spillFolder = tmp.file("spill")
        if kind == "file" { try tmp.write("spill", "a file, not a folder") }
        let run = try report(tmp, ["--organization", "changed"], environment: ["TMPDIR": spillFolder.path])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("cannot record every rejection"), "\(run.stderr)")
        #expect(run.stderr.contains("cannot create a temporary file in \(spillFolder.path)"), "\(run.stderr)")
        #expect(run.stderr.contains("set TMPDIR to a writable folder"), "\(run.stderr)")
        #expect(run.stderr.contains("nothing was published"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").filter { $0.contains("error") }.count == 1, "\(run.stderr)")
        #expect(try snapshot(tmp.file("out/2024-02")) == before)
        #expect(try hidden(tmp).isEmpty)
    }

    /// The temporary folder fills up while rejections are spilled to it.
    @Test(.enabled(if: UnattendedRunTests.canMountTmpfs, "needs to mount a small tmpfs"))
    func spillFolderFills() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let before = try snapshot(tmp.file("out/2024-02"))
        try addBulkRejections(tmp)
        let spillFolder = tmp.file("spill")
        try FileManager.default.createDirectory(at: spillFolder, withIntermediateDirectories: true)
        try #require(mount("tmpfs", spillFolder.path, "tmpfs", 0, "size=64k") == 0)
        defer { umount(spillFolder.path) }
        let run = try report(tmp, ["--organization", "changed"], environment: ["TMPDIR": spillFolder.path])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("No space left on device"), "\(run.stderr)")
        #expect(run.stderr.contains("\(spillFolder.path) is full: free space there or set TMPDIR"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").filter { $0.contains("error") }.count == 1, "\(run.stderr)")
        #expect(try snapshot(tmp.file("out/2024-02")) == before)
        #expect(try hidden(tmp).isEmpty)
        // The temporary file had no name: nothing is left in the full folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: spillFolder.path).isEmpty)
    }

    /// More than 100,000 rejections: rejects.csv lists every one, as many as the manifest counts.
    @Test func everyRejectionIsWrittenBeyondTheLimit() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let baseline = try manifestRejections(tmp.file("out/2024-02/manifest.json"))
        #expect(baseline > 0)
        try addBulkRejections(tmp)
        let run = try report(tmp)
        #expect(run.status == 2, "\(run.stderr)")
        let total = try manifestRejections(tmp.file("out/2024-02/manifest.json"))
        #expect(total == baseline + Self.bulkRejections)  // counted independently: the rows written into bulk.csv
        let text = try String(contentsOf: tmp.file("out/2024-02/rejects.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()  // after the final \n
        #expect(lines.count == total + 1)
        #expect(lines.first == "file,line,code,message")
        #expect(lines.filter { $0.hasPrefix("e/bulk.csv,") }.count == Self.bulkRejections)
        #expect(lines.last?.hasPrefix("e/bulk.csv,\(Self.bulkRejections + 1),unknown_district,") == true)
        #expect(try hidden(tmp).isEmpty)
    }

    func manifestRejections(_ url: URL) throws -> Int {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let byCode = try #require((json?["totals"] as? [String: Any])?["rejects_by_code"] as? [String: Int])
        return byCode.values.reduce(0, +)
    }

    // MARK: - Defect 8: the fallback without RENAME_EXCHANGE

    @Test func fallbackReplacesTheReport() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        // The zero-second pause proves the two-rename path ran.
        let run = try report(
            tmp, ["--organization", "changed"],
            environment: ["TALENTSTATS_TEST_HOOK": "no-rename-exchange,pause:between-renames:0"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("paused at between-renames"))
        #expect(try organization(tmp.file("out/2024-02")) == .string("changed"))
        #expect(try hidden(tmp).isEmpty)
    }

    @Test func exchangeDoesNotReachTheFallback() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let run = try report(
            tmp, ["--organization", "changed"],
            environment: ["TALENTSTATS_TEST_HOOK": "pause:between-renames:0"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(!run.stderr.contains("paused at between-renames"))
        #expect(try organization(tmp.file("out/2024-02")) == .string("changed"))
    }

    @Test func failureBetweenTheRenamesPutsThePreviousReportBack() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let before = try snapshot(tmp.file("out/2024-02"))
        let run = try report(
            tmp, ["--organization", "changed"],
            environment: ["TALENTSTATS_TEST_HOOK": "no-rename-exchange,fail:between-renames"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("injected failure at between-renames"), "\(run.stderr)")
        #expect(run.stderr.contains("nothing was published"), "\(run.stderr)")
        #expect(try snapshot(tmp.file("out/2024-02")) == before)
        #expect(try hidden(tmp).isEmpty)
    }

    /// SIGKILL between the two renames: the previous report waits aside; the next run puts it back
    /// before anything else, keeps it through its own failure, and a later run replaces it.
    @Test func sigkillBetweenTheRenamesKeepsThePreviousReport() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let before = try snapshot(tmp.file("out/2024-02"))

        func killBetweenRenames() throws {
            let run = try background(
                tmp, ["--organization", "changed"],
                hook: "no-rename-exchange,pause:between-renames:60")
            #expect(run.wait(for: "paused at between-renames"))
            run.kill()
            #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-02").path))
            let leftovers = try hidden(tmp)
            let aside = leftovers.filter { $0.hasPrefix(".2024-02.old-") }
            try #require(aside.count == 1, "\(leftovers)")
            #expect(try snapshot(tmp.file("out/\(aside[0])")) == before)
        }

        try killBetweenRenames()
        // A run that fails before its commit: the previous report is back in place, byte for byte.
        let failed = try report(
            tmp, ["--organization", "other"],
            environment: ["TALENTSTATS_TEST_HOOK": "fail:before-commit"])
        #expect(failed.status == 1)
        #expect(try snapshot(tmp.file("out/2024-02")) == before)
        #expect(try hidden(tmp).isEmpty)

        // Killed again; then a run that succeeds (with the exchange) publishes.
        try killBetweenRenames()
        let next = try report(tmp, ["--organization", "next"])
        #expect(next.status == 2, "\(next.stderr)")
        #expect(try organization(tmp.file("out/2024-02")) == .string("next"))
        #expect(try hidden(tmp).isEmpty)
    }

    /// The run after a kill may be of another period, or may fail before publishing: either way the
    /// report left aside is back in place before the run reads any input, and the log says so.
    @Test func anyLaterRunPutsBackAReportLeftAside() throws {
        let tmp = try setUp()
        #expect(try report(tmp).status == 2)
        let before = try snapshot(tmp.file("out/2024-02"))
        for later in [["--period", "2024-01"], ["--period", "2030-01"], ["--input", tmp.file("nowhere").path]] {
            let run = try background(
                tmp, ["--organization", "changed"], hook: "no-rename-exchange,pause:between-renames:60")
            #expect(run.wait(for: "paused at between-renames"))
            run.kill()
            #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-02").path))
            // Another period (published, or failing for want of data), or a run that cannot even read its input.
            let next = try Binary.run(
                ["report", "--input", tmp.file("input").path, "--output", tmp.file("out").path] + later
                    + (later.contains("--period") ? [] : ["--period", "2024-02"]), in: tmp.url)
            #expect(next.stderr.contains("recovered: \(tmp.file("out/2024-02").path) was left aside"), "\(next.stderr)")
            #expect(try snapshot(tmp.file("out/2024-02")) == before, "\(later)")
            #expect(try hidden(tmp).allSatisfy { !$0.contains(".old-") })
        }
    }

    /// Recovery touches only what a killed run leaves: `.NAME.old-DIGITS` and `.NAME.tmp-DIGITS`
    /// folders. A file with such a name, another program's hidden folder, or a name without a pid
    /// stays as it is, and never takes a report's place.
    @Test func recoveryTouchesOnlyItsOwnLeftovers() throws {
        let tmp = try TemporaryFolder()
        try tmp.write("out/.2024-12.old-9", "junk")  // a file, not a folder
        try tmp.write("out/.keep.tmp-data/x.txt", "someone else's")
        try tmp.write("out/.x.old-/y.txt", "no pid")
        try tmp.write("out/.2024-11.old-12/a.txt", "previous report")
        try tmp.write("out/.2024-10.tmp-7/b.txt", "partial")
        let recovered = try AtomicPublisher.recoverAll(in: tmp.file("out"))
        #expect(recovered == ["2024-11"])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: tmp.file("out").path))
        #expect(left == [".2024-12.old-9", ".keep.tmp-data", ".x.old-", "2024-11"], "\(left)")
        #expect(try String(contentsOf: tmp.file("out/2024-11/a.txt"), encoding: .utf8) == "previous report")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-12").path))
    }

    // MARK: - Pieces

    /// A target and an aside folder both present (killed after the new report was in place): the
    /// aside one is the older report and goes; the target stays.
    @Test func recoveryKeepsThePublishedReport() throws {
        let tmp = try TemporaryFolder()
        try tmp.write("out/2024-02/new.txt", "new")
        try tmp.write("out/.2024-02.old-1/old.txt", "old")
        try tmp.write("out/.2024-02.tmp-2/partial.txt", "partial")
        let publisher = AtomicPublisher(target: tmp.file("out/2024-02"))
        let staging = try publisher.begin()
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.file("out").path)
        #expect(Set(left) == ["2024-02", staging.lastPathComponent], "\(left)")
        #expect(try String(contentsOf: tmp.file("out/2024-02/new.txt"), encoding: .utf8) == "new")
        publisher.abandon()
    }

    @Test func hooksCombine() throws {
        let env = ["TALENTSTATS_TEST_HOOK": "no-rename-exchange, fail:between-renames"]
        #expect(TestHooks.isSet("no-rename-exchange", environment: env))
        #expect(!TestHooks.isSet("no-rename-exchange", environment: ["TALENTSTATS_TEST_HOOK": "fail:before-commit"]))
        #expect(throws: TestHooks.InjectedFailure.self) { try TestHooks.reach("between-renames", environment: env) }
        try TestHooks.reach("before-commit", environment: env)
    }
}
