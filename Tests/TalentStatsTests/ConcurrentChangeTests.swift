import Foundation
import Testing
import TestSupport

/// A district replaces its file (rsync-style: write a temporary file, rename it over) while the run
/// reads a later file that repeats one of its keys. The repeated key cannot be checked against the
/// file that was read any more, so the run must fail rather than publish a figure counted twice.
@Suite struct ConcurrentChangeTests {
    @Test func anEarlierFileReplacedWhileALaterOneIsReadFailsTheRun() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        try tmp.write("input/raw/a.csv", "统计期,镇街,指标,数值\n2024-12,东城,人才总量,100\n2024-12,南城,人才总量,5\n")
        try tmp.write("input/raw/b.csv", "统计期,镇街,指标,数值\n2024-12,东城,人才总量,150\n")
        let run = try Binary.Background(["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url,
                                        environment: ["TALENTSTATS_TEST_HOOK": "pause:after-survey:2"])
        // The second pause is b.csv's, after a.csv has been read.
        let deadline = Date().addingTimeInterval(60)
        while run.stderr.components(separatedBy: "paused at after-survey").count < 3, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try tmp.write("input/raw/.a.csv.partial", "统计期,镇街,指标,数值\n2024-12,南城,人才总量,5\n2024-12,东城,人才总量,100\n")
        #expect(rename(tmp.file("input/raw/.a.csv.partial").path, tmp.file("input/raw/a.csv").path) == 0)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 1, "\(run.stderr)")
        #expect(run.stderr.contains("a.csv changed or was replaced while the run was reading later files"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-12").path))

        // Run again once the files are complete: b.csv's 150 supersedes a.csv's 100, counted once.
        let again = try Binary.run(["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(again.status == 2, "\(again.stderr)")
        let agg = try Fixtures.aggregates(tmp.file("out/2024-12/aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "150")
        #expect(agg["2024-12,441900,talent_headcount,month"] == "155")
    }
}
