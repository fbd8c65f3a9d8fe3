import Foundation
import TestSupport
import Testing

/// Every configuration key with garbage: a usage error (exit 64) naming the key, never a crash, a
/// traceback or a run that half happens. (Environment variables: ``NoTrapTests``.)
@Suite struct HostileSettingsTests {
    static let cases: [(toml: String, fragment: String)] = [
        ("input = 5", "'input' must be a folder path"),
        ("output = \"\"", "'output' must be a folder path"),
        ("time_zone = \"Mars/Olympus\"", "'Mars/Olympus' is not a time zone"),
        ("time_zone = 8", "'time_zone' must be an IANA time zone"),
        ("organization = [\"a\"]", "'organization' must be text"),
        (
            "organization = \"\(String(repeating: "字", count: 40_000))\"",
            "organization has 40000 characters; at most 200"
        ),
        ("contact = \"\(String(repeating: "x", count: 501))\"", "contact has 501 characters; at most 500"),
        ("contact = { a = 1 }", "'contact' must be text"),
        // Code points count, not characters: 200 "é" written as e + U+0301 are 400.
        (
            "organization = \"\(String(repeating: "e\u{301}", count: 200))\"",
            "organization has 400 characters; at most 200"
        ),
        ("organization = \"\(String(repeating: "&", count: 101))\"", "has 202 characters (each & counts twice)"),
        ("outlier_threshold = -1", "'outlier_threshold' must be a fraction"),
        ("outlier_threshold = inf", "'outlier_threshold' must be a fraction"),
        ("outlier_threshold = nan", "'outlier_threshold' must be a fraction"),
        ("outlier_threshold = 1e300", "'outlier_threshold' must be a fraction"),
        ("outlier_threshold = \"half\"", "'outlier_threshold' must be a fraction"),
        ("outlier_threshold = 99999999999999999999999999999", "not representable in 64 bits"),
        ("log_file = 3", "'log_file' must be a file path"),
        ("max_record_bytes = 0", "'max_record_bytes' must be a positive whole number"),
        ("max_record_bytes = -9223372036854775808", "'max_record_bytes' must be a positive whole number"),
        ("max_file_bytes = 1.5", "'max_file_bytes' must be a positive whole number"),
        ("max_file_bytes = \"8 GiB\"", "'max_file_bytes' must be a positive whole number"),
        ("surprise = 1", "unknown key 'surprise'"),
        ("[section]\nx = 1", "unknown key 'section'"),
        ("input = \"unterminated", "not valid TOML"),
        ("\u{FEFF}\u{0}", "contains a NUL byte (offset 3)"),
        ("max_file_bytes = 1000\u{0}max_file_bytes = \"garbage\"", "contains a NUL byte (offset 21)"),
    ]

    @Test(arguments: 0..<cases.count)
    func garbageIsAUsageErrorNamingTheKey(_ index: Int) throws {
        let (toml, fragment) = Self.cases[index]
        let tmp = try TemporaryFolder()
        try tmp.write("input/raw/a.csv", "统计期,镇街,指标,数值\n2024-12,东城,人才总量,5\n")
        try FileManager.default.copyItem(
            at: Binary.packageRoot.appendingPathComponent("input/reference"), to: tmp.file("input/reference"))
        try tmp.write("talentstats.toml", toml)
        let run = try Binary.run(["report", "--period", "2024-12", "--input", "input", "--output", "out"], in: tmp.url)
        #expect(run.status == 64, "\(toml.prefix(60)): \(run.stderr.prefix(300))")
        #expect(run.stderr.contains(fragment), "\(toml.prefix(60)): \(run.stderr.prefix(300))")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Backtrace"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out/2024-12").path))
    }
}
