import Foundation
import TestSupport
import Testing

@testable import TalentStats

@Suite struct SchedulingTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let utc = TimeZone(identifier: "UTC")!

    func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test func reportsThePreviousCalendarMonth() {
        #expect(
            Schedule.previousMonth(now: date("2025-03-05T02:00:00+08:00"), timeZone: shanghai).description == "2025-02")
        // January → December of the previous year.
        #expect(
            Schedule.previousMonth(now: date("2025-01-05T02:00:00+08:00"), timeZone: shanghai).description == "2024-12")
    }

    @Test func monthBoundaryFollowsTheOfficeTimeZone() {
        // 16:30 UTC on 31 December is already 00:30 on 1 January in Shanghai.
        let now = date("2024-12-31T16:30:00Z")
        #expect(Schedule.previousMonth(now: now, timeZone: shanghai).description == "2024-12")
        #expect(Schedule.previousMonth(now: now, timeZone: utc).description == "2024-11")
    }

    @Test func injectedClock() {
        #expect(
            Schedule.now(environment: ["TALENTSTATS_NOW": "2025-01-01T00:30:00+08:00"]) == date("2024-12-31T16:30:00Z"))
    }
}

@Suite struct ConfigurationTests {
    @Test func flagsOverrideFileOverridesDefaults() throws {
        let tmp = try TemporaryFolder()
        try tmp.write(
            "etc/talentstats.toml",
            """
            # comment
            input = "../data/in"
            output = "/srv/reports"
            time_zone = "UTC"
            organization = "东莞市人力资源和社会保障局"
            outlier_threshold = 0.3
            max_record_bytes = 4096
            """)
        var flags = CommandLineSettings()
        flags.config = tmp.file("etc/talentstats.toml").path
        flags.output = "elsewhere"
        let s = try RunSettings.resolve(
            flags, now: ISO8601DateFormatter().date(from: "2024-12-31T16:30:00Z")!, workingDirectory: tmp.url)
        #expect(s.options.input.path == tmp.file("data/in").standardizedFileURL.path)  // relative to the file
        #expect(s.options.output.path == tmp.file("elsewhere").standardizedFileURL.path)  // the flag wins
        #expect(s.options.organization == "东莞市人力资源和社会保障局")
        #expect(s.options.outlierThreshold.description == "0.3")
        #expect(s.options.limits.maxRecordBytes == 4096)
        #expect(s.options.limits.maxFileBytes == IngestLimits.default.maxFileBytes)  // default
        // time_zone = "UTC" from the file: still November at 16:30 UTC on 31 December.
        #expect(s.options.period.description == "2024-11")
        #expect(s.periodIsDefault)
    }

    @Test(arguments: [
        ("colour = \"blue\"\n", 1, "unknown key 'colour'"),
        ("input = 5\n", 1, "'input' must be a folder path"),
        ("# ok\ntime_zone = \"Mars/Olympus\"\n", 2, "not a time zone"),
        ("max_file_bytes = -1\n", 1, "positive whole number"),
        ("input = \"unterminated\n", 1, "not valid TOML"),
    ])
    func badFilesAreClearErrors(_ text: String, _ line: Int, _ expected: String) throws {
        let tmp = try TemporaryFolder()
        let url = try tmp.write("c.toml", text)
        do {
            _ = try Configuration.load(from: url)
            Issue.record("accepted \(text)")
        } catch let error as ConfigurationError {
            #expect(error.line == line)
            #expect(error.description.contains(expected), "\(error)")
            #expect(error.description.hasPrefix(url.path))
        }
    }

    @Test func shippedExampleIsValid() throws {
        let example = Binary.packageRoot.appendingPathComponent("docs/talentstats.example.toml")
        let config = try Configuration.load(from: example)
        #expect(config.timeZone == "Asia/Shanghai")
    }
}

/// Unattended operation, through the real binary.
@Suite struct UnattendedRunTests {
    func setUp() throws -> (TemporaryFolder, URL) {
        let tmp = try TemporaryFolder()
        return (tmp, try Fixtures.copy("small", into: tmp))
    }

    func report(_ tmp: TemporaryFolder, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> Binary.Result
    {
        try Binary.run(
            ["report", "--input", "input", "--output", "out"] + extra, in: tmp.url, environment: environment)
    }

    func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    func hidden(_ tmp: TemporaryFolder) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: tmp.file("out").path).filter {
            $0.hasPrefix(".") && $0 != ".talentstats.lock"
        }
    }

    @Test func noPeriodReportsLastMonthInShanghai() throws {
        let (tmp, _) = try setUp()
        // 00:30 on 1 March in Shanghai is still February in UTC: the report is for February.
        let run = try report(tmp, environment: ["TALENTSTATS_NOW": "2024-03-01T00:30:00+08:00"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: tmp.file("out/2024-02/talent-report-2024-02.xlsx").path))
        let utc = try report(
            tmp, ["--time-zone", "UTC"], environment: ["TALENTSTATS_NOW": "2024-03-01T00:30:00+08:00"])
        #expect(utc.status == 2)
        #expect(FileManager.default.fileExists(atPath: tmp.file("out/2024-01/talent-report-2024-01.xlsx").path))
    }

    @Test func failureMidwayLeavesThePreviousReportIntact() throws {
        let (tmp, _) = try setUp()
        #expect(try report(tmp, ["--period", "2024-02"]).status == 2)
        let before = try snapshot(tmp.file("out/2024-02"))
        for stage in ["before-publish", "before-commit"] {
            let failed = try report(
                tmp, ["--period", "2024-02", "--organization", "changed"],
                environment: ["TALENTSTATS_TEST_HOOK": "fail:\(stage)"])
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("nothing was published"))
            #expect(try snapshot(tmp.file("out/2024-02")) == before)
            #expect(try hidden(tmp).isEmpty)
        }
    }

    @Test func sigkillLeavesNoPartialOutput() throws {
        let (tmp, _) = try setUp()
        let run = try Binary.Background(
            ["report", "--input", "input", "--output", "out", "--period", "2024-02"], in: tmp.url,
            environment: ["TALENTSTATS_TEST_HOOK": "pause:before-commit:60"])
        #expect(run.wait(for: "paused at before-commit"))
        // Every output exists in the staging folder at this point.
        #expect(try hidden(tmp).count == 1)
        run.kill()
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-02").path))
        // The next run cleans up what the killed one left and publishes.
        #expect(try report(tmp, ["--period", "2024-02"]).status == 2)
        #expect(try hidden(tmp).isEmpty)
        #expect(FileManager.default.fileExists(atPath: tmp.file("out/2024-02/manifest.json").path))
    }

    @Test func republishingReplacesTheWholeFolder() throws {
        let (tmp, _) = try setUp()
        #expect(try report(tmp, ["--period", "2024-02"]).status == 2)
        try tmp.write("out/2024-02/stale.txt", "from an older run")
        #expect(try report(tmp, ["--period", "2024-02"]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-02/stale.txt").path))
        #expect(try hidden(tmp).isEmpty)
    }

    @Test func secondRunExitsAtOnceWhileTheFirstHoldsTheLock() throws {
        let (tmp, _) = try setUp()
        let first = try Binary.Background(
            ["report", "--input", "input", "--output", "out", "--period", "2024-02"], in: tmp.url,
            environment: ["TALENTSTATS_TEST_HOOK": "pause:before-commit:60"])
        defer { first.kill() }
        #expect(first.wait(for: "paused at before-commit"))
        let started = Date()
        let second = try report(tmp, ["--period", "2024-02"])
        #expect(second.status == 75)
        #expect(
            second.stderr.contains("another talentstats run is in progress (pid \(first.process.processIdentifier)"))
        #expect(Date().timeIntervalSince(started) < 10)
        first.kill()
        // The kernel released the dead process's lock.
        #expect(try report(tmp, ["--period", "2024-02"]).status == 2)
    }

    @Test func unwritableOutputFolder() throws {
        let (tmp, _) = try setUp()
        try tmp.write("file", "not a folder")
        let run = try Binary.run(
            ["report", "--input", "input", "--output", "file/out", "--period", "2024-02"], in: tmp.url)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot use the output folder"))
    }

    /// Whether this machine lets the tests mount a small tmpfs (root in a sandbox that allows it).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("talentstats-mount-probe-\(getpid())")
        try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        guard mount("tmpfs", probe.path, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount(probe.path)
        return true
    }()

    /// A disk that fills up while the report is written: exit 1, a message that says so, and
    /// nothing published where readers look.
    @Test(.enabled(if: canMountTmpfs, "needs to mount a small tmpfs"))
    func diskFullWhileWriting() throws {
        let tmp = try TemporaryFolder()
        let disk = tmp.file("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        #expect(mount("tmpfs", disk.path, "tmpfs", 0, "size=400k") == 0)
        defer { umount(disk.path) }
        // The sample's aggregates.csv alone is about 2 MB.
        let run = try Binary.run(
            ["report", "--period", "2024-12", "--input", SampleTests.input.path, "--output", disk.path], in: tmp.url)
        #expect(run.status == 1)
        #expect(run.stderr.contains("No space left on device") || run.stderr.contains("disk"), "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "free disk space").count == 2, "\(run.stderr)")  // said once
        #expect(run.stderr.split(separator: "\n").filter { $0.contains("error") }.count == 1)
        // Only the release store is left, intact and without a release.
        let left = try FileManager.default.contentsOfDirectory(atPath: disk.path).filter { $0 != ".talentstats.lock" }
        #expect(left == [ReleaseStore.fileName], "\(left)")
        let store = try #require(try ReleaseStore.open(output: disk, forWriting: false))
        #expect(try store.releases().isEmpty)
    }

    @Test func badConfigurationExits64() throws {
        let (tmp, _) = try setUp()
        try tmp.write("talentstats.toml", "input = \"input\"\nouptut = \"out\"\n")
        let run = try Binary.run(["report", "--period", "2024-02"], in: tmp.url)
        #expect(run.status == 64)
        #expect(run.stderr.contains("talentstats.toml:2: unknown key 'ouptut'"))
    }

    @Test func configurationFileIsReadFromTheWorkingFolder() throws {
        let (tmp, _) = try setUp()
        try tmp.write("talentstats.toml", "input = \"input\"\noutput = \"published\"\norganization = \"测试单位\"\n")
        let run = try Binary.run(["report", "--period", "2024-02"], in: tmp.url)
        #expect(run.status == 2, "\(run.stderr)")
        let book = try XlsxReadBack(url: tmp.file("published/2024-02/talent-report-2024-02.xlsx"))
        #expect(book.sheet("说明")?["B4"]?.value == .string("测试单位"))
    }

    @Test func logFileCollectsEveryRun() throws {
        let (tmp, _) = try setUp()
        for _ in 0..<2 {
            let run = try report(tmp, ["--period", "2024-02", "--quiet", "--log-file", "run.log"])
            // --quiet keeps the stage lines off stderr, not out of the log file.
            #expect(!run.stderr.contains("ingest+validate"))
        }
        let log = try String(contentsOf: tmp.file("run.log"), encoding: .utf8)
        #expect(log.components(separatedBy: "ingest+validate: 6 files").count == 3)
        #expect(log.contains("publish:"))
    }

    /// Progress appears on a terminal (here a pseudo-terminal made by `script`), never in a pipe or a log.
    @Test func progressOnlyOnATerminal() throws {
        let (tmp, _) = try setUp()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            Issue.record("util-linux `script` is needed to give the run a terminal")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = "\(Binary.url.path) report --period 2024-02 --input input --output out --log-file run.log"
        process.arguments = ["-qec", command, tmp.file("typescript").path]
        process.currentDirectoryURL = tmp.url
        process.environment = Binary.childEnvironment([:])
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        let screen = try String(contentsOf: tmp.file("typescript"), encoding: .utf8)
        #expect(screen.contains("reading "), "\(screen)")
        #expect(screen.contains("(6/6 files)"))
        #expect(!(try String(contentsOf: tmp.file("run.log"), encoding: .utf8)).contains("reading "))
        // Not a terminal: no progress.
        let piped = try report(tmp, ["--period", "2024-02"])
        #expect(!piped.stderr.contains("reading "))
    }

    @Test func quietSuccessPrintsNothing() throws {
        let tmp = try TemporaryFolder()
        let run = try Binary.run(
            [
                "report", "--period", "2024-12", "--input", SampleTests.input.path, "--output", tmp.file("out").path,
                "--quiet",
            ], in: tmp.url)
        #expect(run.status == 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.isEmpty)
    }

    /// The script cron calls: silent and 0 when clean; the messages and talentstats' status otherwise.
    @Test func monthlyReportScriptKeepsTheStatusAndMailsOnlyOnTrouble() throws {
        func script(home: URL, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> (
            Int32, String
        ) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments =
                [Binary.packageRoot.appendingPathComponent("scripts/monthly-report.sh").path] + arguments
            var env = ProcessInfo.processInfo.environment
            env["TALENTSTATS_HOME"] = home.path
            env["TALENTSTATS_BIN"] = Binary.url.path
            env.removeValue(forKey: "SOURCE_DATE_EPOCH")
            for (k, v) in environment { env[k] = v }
            process.environment = env
            let out = home.appendingPathComponent("cron-mail.txt")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            let handle = try FileHandle(forWritingTo: out)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            process.waitUntilExit()
            try handle.close()
            return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8))
        }
        let clean = try TemporaryFolder()
        try FileManager.default.copyItem(at: SampleTests.input, to: clean.file("input"))
        let (status, mail) = try script(home: clean.url, environment: ["TALENTSTATS_NOW": "2025-01-05T02:00:00+08:00"])
        #expect(status == 0)
        #expect(mail.isEmpty)
        #expect(FileManager.default.fileExists(atPath: clean.file("output/2024-12/talent-report-2024-12.xlsx").path))
        #expect(try String(contentsOf: clean.file("output/talentstats.log"), encoding: .utf8).contains("publish:"))

        let (tmp, _) = try setUp()
        let (findings, findingsMail) = try script(home: tmp.url, ["--period", "2024-02"])
        #expect(findings == 2)
        #expect(findingsMail.contains("data-quality findings"))
    }
}
