import Foundation
import TestSupport
import Testing

/// The same input gives the same bytes in all four outputs whether files are read on one thread
/// (one core) or read on one thread and key-checked on another (two): duplicates late in a file and
/// resubmissions of keys from anywhere in it included.
@Suite struct CoreCountTests {
    @Test func oneCoreAndTwoCoresGiveByteIdenticalOutputs() throws {
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else {
            Issue.record("needs two cores to compare a read on two threads with a read on one")
            return
        }
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        let districts = ["东城", "南城", "万江", "莞城", "石碣", "石龙", "茶山", "石排"]
        var a = "统计期,镇街,指标,数值\n2024-12,东城,人才总量,1\n"
        for m in 1...12 {
            for d in districts { a += String(format: "2024-%02d", m) + ",\(d),高层次人才,\(m * 10)\n" }
        }
        a += "2024-13,东城,人才总量,3\n"
        for m in 1...12 { for d in districts { a += String(format: "2024-%02d", m) + ",\(d),技能人才,\(m)\n" } }
        // Both late in the file: each repeats line 2 (东城) or an early line (南城).
        a += "2024-12,东城,人才总量,2\n2024-12,东城,人才总量,4\n2024-06,南城,高层次人才,61\n2024-06,南城,高层次人才,62\n\"unterminated\n"
        // The resubmission: keys from early and late in a.csv, and repeats of its own.
        var v2 = "统计期,镇街,指标,数值\n2024-03,万江,高层次人才,33\n"
        for d in districts { v2 += "2024-11,\(d),技能人才,111\n" }
        v2 += "2024-03,万江,高层次人才,34\n2024-11,东城,技能人才,112\n"
        try tmp.write("input/raw/2024/a.csv", a)
        try tmp.write("input/raw/2024/a.v2.csv", v2)

        // A machine with one core reads every file in one piece, as a run without the hook does
        // for files this small; with the hook, each file is read on one thread and key-checked on another.
        func run(_ label: String, hook: String?) throws -> (outputs: [String: Data], log: String) {
            let out = tmp.file("out-\(label)")
            let process = Process()
            process.executableURL = Binary.url
            process.arguments = [
                "report", "--period", "2024-12", "--input", "input", "--output", out.path, "--verbose",
            ]
            process.currentDirectoryURL = tmp.url
            process.environment = Binary.childEnvironment(hook.map { ["TALENTSTATS_TEST_HOOK": $0] } ?? [:])
            let errURL = tmp.file("\(label).stderr")
            FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errURL)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let log = try String(contentsOf: errURL, encoding: .utf8)
            #expect(process.terminationStatus == 2, "\(label): \(log)")
            var outputs: [String: Data] = [:]
            let folder = out.appendingPathComponent("2024-12")
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                outputs[name] = try Data(contentsOf: folder.appendingPathComponent(name))
            }
            return (outputs, log)
        }
        let single = try run("whole", hook: nil)
        let split = try run("two-threads", hook: "parallel-min-bytes:1")
        let again = try run("two-threads-again", hook: "parallel-min-bytes:1")
        // The paths that ran.
        #expect(!single.log.contains("key-checked on another"))
        #expect(split.log.contains("2024/a.csv: read on one thread and key-checked on another"), "\(split.log)")
        #expect(split.log.contains("2024/a.v2.csv: read on one thread and key-checked on another"), "\(split.log)")
        #expect(
            single.outputs.keys.sorted() == [
                "aggregates.csv", "flags.csv", "manifest.json", "rejects.csv", "release.json",
                "talent-report-2024-12.xlsx",
            ])
        for (name, data) in single.outputs {
            #expect(split.outputs[name] == data, "\(name) differs between a read on two threads and one on one")
            #expect(again.outputs[name] == data, "\(name) differs between two runs")
        }
        // And the figures are the ones a read in one piece gives: 南城 2024-06 keeps its first value.
        let rejects = String(decoding: single.outputs["rejects.csv"] ?? Data(), as: UTF8.self)
        let southFirst = 2 + 5 * 8 + 2  // 南城 is the second district; 2024-06 is the sixth month
        #expect(
            rejects.contains("2024/a.csv,196,duplicate,repeats 2024-12 东城街道 talent_headcount from line 2 of this file"),
            "\(rejects)")
        #expect(
            rejects.contains("2024/a.csv,197,duplicate,repeats 2024-12 东城街道 talent_headcount from line 2 of this file"))
        #expect(
            rejects.contains(
                "2024/a.csv,198,duplicate,repeats 2024-06 南城街道 high_level_talent from line \(southFirst) of this file"))
        #expect(rejects.contains("2024/a.csv,200,bad_row,"))
    }
}
