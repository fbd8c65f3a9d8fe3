import Foundation
import TestSupport
import Testing

@testable import TalentStats

@Suite struct ComparisonTests {
    func file(_ rows: [(String, String, String, Measure, String)]) -> AggregateFile {
        var values: [AggregateKey: FixedDecimal] = [:]
        for r in rows {
            values[AggregateKey(period: r.0, districtCode: r.1, metric: r.2, measure: r.3)] = FixedDecimal(
                signed: Substring(r.4))!
        }
        return AggregateFile(path: "test", values: values)
    }

    let base: [(String, String, String, Measure, String)] = [
        ("2024-01", "1", "m", .month, "100"), ("2024-01", "1", "m", .yoy, "0.1"), ("2024-01", "2", "m", .month, "0.3"),
        ("2024", "1", "m", .annual, "100"), ("2024-01", "1", "m", .rank, "2"),
    ]

    @Test func equalFilesAreClean() {
        let c = Comparison(old: file(base), new: file(base))
        #expect(c.isClean)
        #expect((c.compared, c.equal) == (5, 5))
    }

    @Test func ratioToleranceAbsoluteAndRelative() {
        var changed = base
        changed[1].4 = "0.100004"
        let strict = Comparison(old: file(base), new: file(changed))
        #expect(strict.changed == 1)
        #expect(strict.differences[0].absoluteDelta?.description == "0.000004")
        #expect(strict.differences[0].relativeDelta?.description == "0.00004")
        let absolute = Comparison(
            old: file(base), new: file(changed), tolerance: .init(absolute: FixedDecimal(plain: "0.000005")!))
        #expect(absolute.isClean)
        #expect(absolute.withinTolerance == 1)
        let tooSmall = Comparison(
            old: file(base), new: file(changed), tolerance: .init(absolute: FixedDecimal(plain: "0.000003")!))
        #expect(tooSmall.changed == 1)
        let relative = Comparison(
            old: file(base), new: file(changed), tolerance: .init(relative: FixedDecimal(plain: "0.00004")!))
        #expect(relative.isClean)
        let relativeTooSmall = Comparison(
            old: file(base), new: file(changed), tolerance: .init(relative: FixedDecimal(plain: "0.00003")!))
        #expect(relativeTooSmall.changed == 1)
    }

    @Test func amountsAreComparedExactlyWhateverTheTolerance() {
        var changed = base
        changed[2].4 = "0.30000001"
        let c = Comparison(
            old: file(base), new: file(changed), tolerance: .init(absolute: FixedDecimal(1), relative: FixedDecimal(1)))
        #expect(c.changed == 1)
        #expect(c.differences[0].key.measure == .month)
    }

    @Test func addedAndRemovedKeys() {
        var changed = Array(base.dropLast())
        changed.append(("2024-02", "1", "m", .month, "5"))
        let c = Comparison(old: file(base), new: file(changed))
        #expect((c.added, c.removed, c.changed) == (1, 1, 0))
        #expect(c.compared == 6)
    }

    @Test func largestChangeFirst() {
        var changed = base
        changed[0].4 = "101"  // +1%
        changed[2].4 = "0.6"  // +100%
        changed[3].4 = "150"  // +50%
        let c = Comparison(old: file(base), new: file(changed), metrics: ["m"])
        #expect(c.differences.map(\.key.measure) == [.month, .annual, .month])
        #expect(c.differences.map { $0.relativeDelta?.description } == ["1", "0.5", "0.01"])
    }

    @Test func onlySomeMetrics() {
        let c = Comparison(old: file(base), new: file([]), metrics: ["other"])
        #expect(c.compared == 0)
        #expect(c.isClean)
    }
}

@Suite struct AggregateFileTests {
    @Test(arguments: [
        ("period,district,metric,measure,value\n", 1, "expected 'period,district_code,metric,measure,value'"),
        ("period,district_code,metric,measure,value\n2024-01,1,m,month,12a\n", 2, "not a decimal"),
        (
            "period,district_code,metric,measure,value\n2024-01,1,m,month,1\n2024-01,1,m,month,2\n", 3,
            "duplicate key 2024-01,1,m,month (first on line 2)"
        ),
        ("period,district_code,metric,measure,value\n2024,1,m,month,1\n", 2, "not a month (YYYY-MM)"),
        ("period,district_code,metric,measure,value\n2024-01,1,m,average,1\n", 2, "unknown measure 'average'"),
        ("period,district_code,metric,measure,value\n2024-01,1,m,month\n", 2, "4 fields; expected 5"),
        ("", 0, "empty"),
    ])
    func malformedFilesAreClearErrors(_ text: String, _ line: Int, _ expected: String) throws {
        let tmp = try TemporaryFolder()
        let url = try tmp.write("a.csv", text)
        do {
            _ = try AggregateFile.load(url)
            Issue.record("accepted")
        } catch let error as AggregateFileError {
            #expect(error.line == line)
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test func readsWhatTheWriterWrites() throws {
        let tmp = try TemporaryFolder()
        let url = try tmp.write(
            "a.csv", "period,district_code,metric,measure,value\n2024,1,m,annual_yoy,-0.5\n2024-01,1,m,rank,3\n")
        let file = try AggregateFile.load(url)
        #expect(file.values.count == 2)
        #expect(
            file.values[AggregateKey(period: "2024", districtCode: "1", metric: "m", measure: .annualYoy)]?.description
                == "-0.5")
        #expect(file.reportPeriod?.description == "2024-01")
    }
}

/// `check`, `diff` and `baseline accept` through the real binary.
@Suite struct RegressionCommandTests {
    static let golden = Binary.packageRoot.appendingPathComponent(
        "Tests/TalentStatsTests/Golden/sample-2024-12.aggregates.csv")

    /// The pipeline's figures for the shipped sample have not drifted from the committed golden file.
    /// To re-record after an intended change: scripts/update-golden.sh (never done by the tests).
    @Test func sampleMatchesTheGoldenAggregates() throws {
        let report = try SampleTests.report.get()
        let run = try Binary.run(
            [
                "diff", Self.golden.path, report.folder.appendingPathComponent("aggregates.csv").path,
                "--input", SampleTests.input.path,
            ], in: report.tmp.url)
        #expect(run.status == 0, "the figures drifted from the golden file:\n\(run.stdout)")
        #expect(run.stdout.contains("56238 keys compared: 56238 equal"))
    }

    @Test func checkAgainstTheGoldenBaselineIsCleanOnTheShippedInput() throws {
        let tmp = try TemporaryFolder()
        let run = try Binary.run(
            ["check", "--baseline", Self.golden.path, "--input", SampleTests.input.path, "--quiet"], in: tmp.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("no differences beyond tolerance"))
    }

    @Test func malformedBaselineHasItsOwnStatus() throws {
        let tmp = try TemporaryFolder()
        try tmp.write("bad.csv", "period,district_code,metric,measure,value\n2024-01,1,m,month,x\n")
        let run = try Binary.run(["check", "--baseline", "bad.csv", "--input", SampleTests.input.path], in: tmp.url)
        #expect(run.status == 3)
        #expect(run.stderr.contains("bad.csv:2: value 'x' is not a decimal number"))
        let missing = try Binary.run(["diff", "nope.csv", "bad.csv"], in: tmp.url)
        #expect(missing.status == 3)
    }

    /// One resubmitted row changes exactly the figures that depend on it, and the report names the
    /// file and line that caused it.
    @Test func oneResubmittedRowChangesExactlyItsDependents() throws {
        let tmp = try TemporaryFolder()
        try FileManager.default.copyItem(at: SampleTests.input, to: tmp.file("input"))
        // 东城 new skilled workers for 2024-03: 1257 in 2024/2024-03.csv line 5.
        try tmp.write(
            "input/raw/2024/2024-03.v2.csv", "period,district,metric,value\n2024-03,东城,new_skilled_workers,1300\n")
        let run = try Binary.run(
            ["check", "--baseline", Self.golden.path, "--input", "input", "--format", "json", "--quiet"], in: tmp.url)
        #expect(run.status == 1, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let differences = try #require(json["differences"] as? [[String: Any]])
        let dongcheng = "441900003"
        let city = "441900"
        var keys = Set<String>()
        for d in differences {
            let period = d["period"] as! String
            let district = d["district_code"] as! String
            let metric = d["metric"] as! String
            let measure = d["measure"] as! String
            keys.insert("\(period),\(district),\(measure)")
            #expect(d["kind"] as? String == "changed")
            #expect(metric == "new_skilled_workers")
            #expect(period == "2024" || ("2024-03"..."2024-12").contains(period), "\(period)")
            switch measure {
            case "share", "rank", "annual_share", "annual_rank":
                #expect(district != city)
            case "month":
                #expect(period == "2024-03" && [dongcheng, city].contains(district))
            case "mom":
                #expect(["2024-03", "2024-04"].contains(period) && [dongcheng, city].contains(district))
            case "ytd", "yoy", "annual", "annual_yoy":
                #expect([dongcheng, city].contains(district))
            case "yoy_comparable", "annual_yoy_comparable":
                // 东城 reports district totals: only the city has a comparable basis (over districts).
                #expect(district == city)
            default:
                Issue.record("unexpected measure \(measure) for \(period) \(district)")
            }
            let causes = d["causes"] as? [String] ?? []
            #expect(
                causes.contains { $0.contains("2024/2024-03.v2.csv:2 revises 2024/2024-03.csv:5") },
                "\(period) \(district) \(measure): \(causes)")
        }
        // What must change: the month, every later ytd and yoy of 东城 and the city, 东城's share,
        // the annual figures.
        var required = [
            "2024-03,\(dongcheng),month", "2024-03,\(city),month", "2024-03,\(dongcheng),share",
            "2024,\(dongcheng),annual", "2024,\(city),annual", "2024,\(dongcheng),annual_yoy",
            "2024,\(dongcheng),annual_share",
        ]
        for m in 3...12 {
            let p = String(format: "2024-%02d", m)
            required += ["\(p),\(dongcheng),ytd", "\(p),\(city),ytd", "\(p),\(dongcheng),yoy", "\(p),\(city),yoy"]
        }
        #expect(Set(required).subtracting(keys).isEmpty, "\(Set(required).subtracting(keys).sorted())")
        // Every other district's share of 2024-03 moves (the city total changed); their month does not.
        #expect(keys.filter { $0.hasPrefix("2024-03,") && $0.hasSuffix(",share") }.count == 33)
    }

    @Test func baselineAcceptCopiesAReviewedReportOnce() throws {
        let tmp = try TemporaryFolder()
        let input = try Fixtures.copy("small", into: tmp)
        _ = try Binary.run(["report", "--period", "2024-02", "--input", input.path, "--output", "out"], in: tmp.url)
        let accept = try Binary.run(["baseline", "accept", "--period", "2024-02", "--output", "out"], in: tmp.url)
        #expect(accept.status == 0, "\(accept.stderr)")
        #expect(
            try Data(contentsOf: tmp.file("baselines/2024-02.csv"))
                == Data(contentsOf: tmp.file("out/2024-02/aggregates.csv")))
        #expect(FileManager.default.fileExists(atPath: tmp.file("baselines/2024-02.manifest.json").path))
        let again = try Binary.run(["baseline", "accept", "--period", "2024-02", "--output", "out"], in: tmp.url)
        #expect(again.status == 1)
        #expect(again.stderr.contains("--force"))
        // Nothing changed since: check is clean and names no input change.
        let check = try Binary.run(
            ["check", "--baseline", "baselines/2024-02.csv", "--input", input.path, "--quiet"], in: tmp.url)
        #expect(check.status == 0, "\(check.stdout)")
        // A changed input file shows up in the check, with the changed figure.
        try "period,district,metric,value\n2024-01,乙,export,0.6\n".write(
            to: input.appendingPathComponent("raw/c/resubmit.csv"), atomically: true, encoding: .utf8)
        let changed = try Binary.run(
            ["check", "--baseline", "baselines/2024-02.csv", "--input", input.path, "--quiet", "--format", "csv"],
            in: tmp.url)
        #expect(changed.status == 1)
        let lines = changed.stdout.split(separator: "\n")
        #expect(
            lines.first
                == "kind,period,district_code,district,metric,metric_name,measure,old,new,abs_delta,rel_delta,cause")
        #expect(
            lines.contains {
                $0.hasPrefix("changed,2024-01,100000002,乙镇,export,出口额,month,0.5,0.6,0.1,0.2,")
                    && $0.contains("c/resubmit.csv:2 revises b/2024-01.csv:3")
            })
        let text = try Binary.run(
            ["check", "--baseline", "baselines/2024-02.csv", "--input", input.path, "--quiet"], in: tmp.url)
        #expect(text.stdout.contains("~ c/resubmit.csv"))
    }
}
