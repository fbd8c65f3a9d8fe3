import Foundation
import TestSupport
import Testing

@testable import TalentStats

@Suite struct ValueRulesTests {
    @Test(arguments: [
        ("13673", "13673"), ("１３，６７３", "13673"), (" 1,205,000.5 ", "1205000.5"), ("0", "0"),
        ("12,345,678", "12345678"), ("0.10", "0.1"), ("１２３", "123"), ("1,234.5", "1234.5"),
    ])
    func normalizesWhatPeopleType(_ raw: String, _ expected: String) throws {
        #expect(try FieldRules.number(raw).get().description == expected)
    }

    @Test(arguments: [
        "1,2,3", "12 345", "1.2.3", "NaN", "inf", "1e400", "-0", "-5", "+5", "0x10", "abc", "12,34", "1,234.5,6",
        ",123", "1.5,000",
    ])
    func rejectsWhatIsNotANonNegativeDecimal(_ raw: String) {
        guard case .failure(let failure) = FieldRules.number(raw) else {
            Issue.record("accepted \(raw)")
            return
        }
        #expect(failure.code == .badValue)
        #expect(failure.message.contains(raw))
    }

    let people = Fixtures.reference.metrics[0]
    let export = Fixtures.reference.metrics[1]

    func convert(_ value: String, _ unit: String, _ metric: Metric) -> Result<FixedDecimal, FieldRules.Failure> {
        FieldRules.converted(FixedDecimal(plain: Substring(value))!, unitText: unit, metric: metric)
    }

    @Test func convertsUnitsExactly() throws {
        #expect(try convert("26.8537", "万人", people).get().description == "268537")
        #expect(try convert("12", "", people).get().description == "12")
        #expect(try convert("12", "persons", people).get().description == "12")
        #expect(try convert("10.312345", "亿元", export).get().description == "103123.45")
        #expect(try convert("15000", "元", export).get().description == "1.5")
        #expect(try convert("3", "10k yuan", export).get().description == "3")
    }

    @Test func unitProblems() {
        guard case .failure(let wrongDimension) = convert("5", "万元", people) else {
            Issue.record("accepted")
            return
        }
        #expect(wrongDimension.code == .badUnit)
        guard case .failure(let unknown) = convert("5", "美元", export) else {
            Issue.record("accepted")
            return
        }
        #expect(unknown.code == .badUnit)
        // The whole-number check applies after conversion.
        guard case .failure(let fraction) = convert("2.68537", "万人", people) else {
            Issue.record("accepted")
            return
        }
        #expect(fraction.code == .badValue)
        #expect(fraction.message.contains("26853.7"))
    }
}

@Suite struct ValidatorTests {
    @Test func everyRejectCodeWithItsLine() {
        var h = ValidatorHarness(period: "2024-02")
        h.file(
            "a.csv",
            [
                ("2024-02", "甲", "people", "1", ""),  // line 2: used
                ("", "甲", "people", "1", ""),  // 3: missing_field
                ("2024-13", "甲", "people", "1", ""),  // 4: bad_period
                ("2024-02", "丁", "people", "1", ""),  // 5: unknown_district
                ("2024-02", "测试市", "people", "1", ""),  // 6: unknown_district (the city)
                ("2024-02", "甲", "nope", "1", ""),  // 7: unknown_metric
                ("2024-02", "乙", "people", "x", ""),  // 8: bad_value
                ("2024-02", "乙", "people", "1", "亿元"),  // 9: bad_unit
                ("2024/2", "甲街道", "人员", "2", ""),  // 10: duplicate of line 2 after normalization
                ("2024-03", "甲", "people", "1", ""),  // 11: out of scope
            ])
        let data = h.finish()
        #expect(
            data.rejections.map(\.code) == [
                .missingField, .badPeriod, .unknownDistrict, .unknownDistrict, .unknownMetric, .badValue, .badUnit,
                .duplicate,
            ])
        #expect(data.rejections.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 10])
        #expect(data.rejections.allSatisfy { $0.file == "a.csv" })
        #expect(data.rejections[7].message.contains("line 2"))
        #expect(data.totals == RowAccounting(read: 10, used: 1, rejected: 8, outOfScope: 1, superseded: 0))
        // The first occurrence wins within a file.
        #expect(data.value(YearMonth(year: 2024, month: 2)!, district: 0, metric: 0)?.description == "1")
        #expect(data.distinctKeys == 1)
    }

    @Test func malformedRecordsAndRejectedFilesAreAccounted() {
        var v = Validator(reference: Fixtures.reference, reportPeriod: YearMonth(year: 2024, month: 2)!)
        let a = InputFile(index: 0, relativePath: "a.csv", url: URL(fileURLWithPath: "/dev/null"))
        v.begin(a)
        v.take(.malformedRecord(line: 7, message: "unterminated quoted field"))
        v.end(.read(FileFacts(file: a, bytes: 1, sha256: "", encoding: .utf8, layout: .long)))
        let b = InputFile(index: 1, relativePath: "sub/b.csv", url: URL(fileURLWithPath: "/dev/null"))
        v.begin(b)
        v.end(.rejected(FileFacts(file: b, bytes: 1, sha256: "", encoding: nil, layout: nil), message: "not CSV"))
        let data = v.finish()
        #expect(
            data.rejections == [
                Rejection(file: "a.csv", line: 7, code: .badRow, message: "unterminated quoted field"),
                Rejection(file: "sub/b.csv", line: 0, code: .badFile, message: "not CSV"),
            ])
        #expect(data.totals == RowAccounting(read: 1, used: 0, rejected: 1, outOfScope: 0, superseded: 0))
        #expect(data.filesRejected == 1)
    }

    @Test func laterFileSupersedesAndIsListedAsRevision() {
        var h = ValidatorHarness(period: "2024-02")
        h.file("1.csv", [("2024-01", "甲", "people", "100", ""), ("2024-01", "乙", "people", "50", "")])
        h.file("2.csv", [("202401", "100000001", "人员", "105", "")])
        h.file("3.csv", [("2024年1月", "甲街道", "People", "106", "")])
        let data = h.finish()
        #expect(data.revisions.count == 2)
        #expect(data.revisions[0].old == SourcedValue(value: FixedDecimal(100), file: 0, line: 2))
        #expect(data.revisions[0].new == SourcedValue(value: FixedDecimal(105), file: 1, line: 2))
        #expect(data.revisions[1].new.value == FixedDecimal(106))
        #expect(data.files.map(\.accounting.used) == [1, 0, 1])
        #expect(data.files.map(\.accounting.superseded) == [1, 1, 0])
        #expect(data.totals.balances)
        #expect(data.totals == RowAccounting(read: 4, used: 2, rejected: 0, outOfScope: 0, superseded: 2))
    }

    @Test func theSameValueAgainSupersedesButRevisesNothing() {
        var h = ValidatorHarness(period: "2024-02")
        // Hundredths (held in the slot), beyond hundredths and beyond 31 bits (held aside).
        h.file(
            "1.csv",
            [
                ("2024-01", "甲", "export", "100", ""), ("2024-01", "乙", "export", "0.001", ""),
                ("2024-01", "丙", "export", "30000000", ""), ("2024-01", "甲", "people", "7", ""),
            ])
        // The same values spelled otherwise, then two that differ in the last place.
        h.file(
            "2.csv",
            [
                ("2024-01", "甲", "export", "100.00", ""), ("2024-01", "乙", "export", "0.0010", ""),
                ("2024-01", "丙", "export", "30000000.5", ""), ("2024-01", "甲", "people", "8", ""),
            ])
        let data = h.finish()
        #expect(data.unchangedResubmissions == 2)
        #expect(data.revisionCount == 2)
        #expect(
            data.revisions.map { "\($0.old.value)→\($0.new.value)@\($0.new.line)" } == [
                "30000000→30000000.5@4", "7→8@5",
            ])
        #expect(data.totals == RowAccounting(read: 8, used: 4, rejected: 0, outOfScope: 0, superseded: 4))
    }

    @Test func rejectedObservationNeverSupersedes() {
        var h = ValidatorHarness(period: "2024-02")
        h.file("1.csv", [("2024-01", "甲", "people", "100", "")])
        h.file("2.csv", [("2024-01", "甲", "people", "oops", "")])
        let data = h.finish()
        #expect(data.revisions.isEmpty)
        #expect(data.value(YearMonth(year: 2024, month: 1)!, district: 0, metric: 0) == FixedDecimal(100))
    }

    @Test func entitiesAreSeparateKeys() {
        var h = ValidatorHarness(period: "2024-02")
        h.file("e1.csv", [("2024-01", "甲", "people", "3", "")], entity: "91441900MA4UJ8XXXX")
        h.file("e2.csv", [("2024-01", "甲", "people", "4", "")], entity: "91441900MA4UJ8YYYY")
        let data = h.finish()
        #expect(data.distinctKeys == 2)
        // Summed over entities.
        #expect(data.value(YearMonth(year: 2024, month: 1)!, district: 0, metric: 0) == FixedDecimal(7))
        #expect(data.revisions.isEmpty)
    }
}

@Suite struct RejectionLogTests {
    @Test func manyRejectionsAreCountedListedUpToTheLimitAndAllWritten() throws {
        let log = RejectionLog(limit: 2)
        for i in 1...5 { log.append(Rejection(file: "a,b.csv", line: i, code: .badValue, message: "value \"x\" \(i)")) }
        #expect(log.total == 5)
        #expect(log.listed.count == 2)
        #expect(log.byCode == [.badValue: 5])
        #expect(log.isSpilled)
        let tmp = try TemporaryFolder()
        try log.writeCSV(to: tmp.file("rejects.csv"))
        let lines = try String(contentsOf: tmp.file("rejects.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[5] == "\"a,b.csv\",5,bad_value,\"value \"\"x\"\" 5\"")
    }
}
