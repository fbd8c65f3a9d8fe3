import Foundation
import TestSupport
import Testing

/// A district replaces its file (rsync-style: write a temporary file, rename it over) while the run
/// reads a later file that repeats one of its keys. The key check holds every key in memory and
/// never reads a file again, so the replacement cannot make a resubmitted key look new: the later
/// file's figure supersedes the earlier one, counted once.
@Suite struct ConcurrentChangeTests {
    @Test func anEarlierFileReplacedWhileALaterOneIsReadIsNotCountedTwice() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        try tmp.write("input/raw/a.csv", "统计期,镇街,指标,数值\n2024-12,东城,人才总量,100\n2024-12,南城,人才总量,5\n")
        try tmp.write("input/raw/b.csv", "统计期,镇街,指标,数值\n2024-12,东城,人才总量,150\n")
        let run = try Binary.Background(
            ["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url,
            environment: ["TALENTSTATS_TEST_HOOK": "pause:after-survey:2"])
        // The second pause is b.csv's, after a.csv has been read.
        let deadline = Date().addingTimeInterval(60)
        while run.stderr.components(separatedBy: "paused at after-survey").count < 3, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try tmp.write("input/raw/.a.csv.partial", "统计期,镇街,指标,数值\n2024-12,南城,人才总量,5\n2024-12,东城,人才总量,100\n")
        #expect(rename(tmp.file("input/raw/.a.csv.partial").path, tmp.file("input/raw/a.csv").path) == 0)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 2, "\(run.stderr)")
        let first = try Fixtures.aggregates(tmp.file("out/2024-12/aggregates.csv"))
        #expect(first["2024-12,441900003,talent_headcount,month"] == "150", "not 250: b.csv's row supersedes a.csv's")
        #expect(first["2024-12,441900,talent_headcount,month"] == "155")
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.file("out/2024-12/manifest.json")))
            as! [String: Any]
        let totals = manifest["totals"] as! [String: Any]
        #expect(totals["revisions"] as? Int == 1)
        #expect((totals["observations"] as! [String: Any])["superseded"] as? Int == 1)

        // Run again on the complete files: the same figures.
        let again = try Binary.run(
            ["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(again.status == 2, "\(again.stderr)")
        let agg = try Fixtures.aggregates(tmp.file("out/2024-12/aggregates.csv"))
        #expect(agg["2024-12,441900003,talent_headcount,month"] == "150")
        #expect(agg["2024-12,441900,talent_headcount,month"] == "155")
    }
}
