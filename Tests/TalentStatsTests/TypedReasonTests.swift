import Foundation
import TestSupport
import Testing

@testable import TalentStats

/// Field-rule failures say which field they are about and which case of their code they are; the
/// workbook's Chinese and a rejection's column follow from those types, never from the English.
@Suite struct TypedReasonTests {
    struct Case {
        let row: (period: String, district: String, metric: String, value: String, unit: String)
        var entity = ""
        let code: RejectCode
        let field: FieldRules.Field
        var detail: RejectDetail = .none
        /// Written out by hand: no column without a layout; the field as written in “”.
        let chinese: String
    }

    static let longEntity = String(repeating: "E", count: 70)

    static func notANumber(_ value: String) -> String {
        "数值“\(value)”不是非负数：不能带正负号、不能为科学计数法或文字，千分位须每三位一个逗号"
    }

    /// A row for each field and each case of a code (the fixture: districts 甲 乙 丙 of 测试市;
    /// people in 人, whole; export in 万元).
    static let cases: [Case] = [
        Case(
            row: ("", "甲", "people", "1", ""), code: .missingField, field: .period,
            chinese: "必填项为空：统计期、镇街、指标、数值均须填写"),
        Case(
            row: ("2024-02", "甲", "people", " ", ""), code: .missingField, field: .value,
            chinese: "必填项为空：统计期、镇街、指标、数值均须填写"),
        Case(
            row: ("2024-13", "甲", "people", "1", ""), code: .badPeriod, field: .period,
            chinese: "统计期“2024-13”不是有效月份，应为 2024-01、202401、2024/01 或 2024年1月 等形式"),
        Case(
            row: ("2024-02", "测试市", "people", "1", ""), code: .unknownDistrict, field: .district, detail: .cityItself,
            chinese: "“测试市”为全市本身：全市数据由各镇街汇总得出，请按镇街报送"),
        Case(
            row: ("2024-02", "丁", "people", "1", ""), code: .unknownDistrict, field: .district,
            chinese: "镇街“丁”不在镇街名录中，应填写镇街代码、全称或简称"),
        Case(
            row: ("2024-02", "甲", "nope", "1", ""), code: .unknownMetric, field: .metric,
            chinese: "指标“nope”不在指标目录中，应填写指标代码或名称"),
        Case(
            row: ("2024-02", "甲", "people", "1", "parsecs"), code: .badUnit, field: .unit,
            chinese: "计量单位“parsecs”不适用于该指标（如人数不能用万元）"),
        Case(
            row: ("2024-02", "甲", "people", "1", "万元"), code: .badUnit, field: .unit,
            chinese: "计量单位“万元”不适用于该指标（如人数不能用万元）"),
        Case(row: ("2024-02", "甲", "people", "-1", ""), code: .badValue, field: .value, chinese: notANumber("-1")),
        Case(
            row: ("2024-02", "甲", "people", "200000000", "万人"), code: .badValue, field: .value,
            chinese: notANumber("200000000")),
        Case(
            row: ("2024-02", "甲", "people", "5.5", ""), code: .badValue, field: .value, detail: .notWholeNumber,
            chinese: "数值“5.5”应为整数（人数不能有小数）"),
        Case(
            row: ("2024-02", "甲", "people", "1", ""), entity: longEntity, code: .badValue, field: .entity,
            detail: .entityTooLong, chinese: "主体代码“\(TextNormalization.excerpt(longEntity))”过长（超过 64 个字符）"),
    ]

    static func raw(_ c: Case) -> RawObservation {
        RawObservation(
            line: 2, period: c.row.period, district: c.row.district, metric: c.row.metric, value: c.row.value,
            unit: c.row.unit, entity: c.entity)
    }

    /// The one rejection of a file holding the case's row.
    static func rejection(_ c: Case) throws -> Rejection {
        var h = ValidatorHarness(period: "2024-02")
        h.file("a.csv", [(c.row.period, c.row.district, c.row.metric, c.row.value, c.row.unit)], entity: c.entity)
        let data = h.finish()
        #expect(data.rejections.count == 1)
        return try #require(data.rejections.first)
    }

    @Test func everyCaseHasItsFieldCodeAndChinese() throws {
        let validator = Validator(reference: Fixtures.reference, reportPeriod: YearMonth(year: 2024, month: 2)!)
        #expect(Set(Self.cases.map(\.field)) == Set(FieldRules.Field.allCases))
        for c in Self.cases {
            guard case .failure(let failure) = validator.interpret(Self.raw(c)) else {
                Issue.record("accepted \(c.row)")
                continue
            }
            #expect(failure.field == c.field, "\(c.row)")
            #expect(failure.code == c.code, "\(c.row)")
            #expect(failure.detail == c.detail, "\(c.row)")
            let r = try Self.rejection(c)
            #expect(r.detail == c.detail, "\(c.row)")
            #expect(r.chineseMessage == c.chinese, "\(c.row): \(r.chineseMessage)")
        }
    }

    /// Cells that quote the words the Chinese used to be chosen by.
    @Test func theEnglishTextDecidesNothing() throws {
        let city = try Self.rejection(
            Case(
                row: ("2024-02", "the city itself", "people", "1", ""), code: .unknownDistrict, field: .district,
                chinese: ""))
        #expect(city.message.contains("the city itself"))
        #expect(city.chineseMessage == "镇街“the city itself”不在镇街名录中，应填写镇街代码、全称或简称")
        for value in ["whole number", "x: entity"] {
            let r = try Self.rejection(
                Case(row: ("2024-02", "甲", "people", value, ""), code: .badValue, field: .value, chinese: ""))
            #expect(r.message.contains(value))
            #expect(r.chineseMessage == Self.notANumber(value))
        }
        // A rejection no field rule made has its code's general Chinese, whatever its message says.
        let plain = Rejection(file: "a.csv", line: 2, code: .badValue, message: "entity 'x' must be a whole number")
        #expect(plain.chineseMessage == "数值不是非负数：不能带正负号、不能为科学计数法或文字，千分位须每三位一个逗号")
    }

    /// The column a rejection names is its field's, read from a file's layout (the wide layout's
    /// value is in the metric's column).
    @Test func theColumnIsTheField() throws {
        let tmp = try TemporaryFolder()
        let long = String(repeating: "E", count: 70)
        try tmp.write(
            "raw/long.csv",
            """
            period,district,metric,value,unit,entity
            2024-13,甲,people,1,人,
            2024-02,,people,1,人,
            2024-02,甲,nope,1,人,
            2024-02,甲,people,x,人,
            2024-02,甲,people,1,万元,
            2024-02,甲,people,1,人,\(long)

            """)
        try tmp.write("raw/wide.csv", "period,district,人员,entity\n2024-02,甲,5.5,a\n")
        var validator = Validator(reference: Fixtures.reference, reportPeriod: YearMonth(year: 2024, month: 2)!)
        for file in try InputDiscovery.csvFiles(under: tmp.file("raw")) {
            Intake.read(file, into: &validator)
        }
        let data = validator.finish()
        #expect(
            data.rejections.map(\.file) == [
                "long.csv", "long.csv", "long.csv", "long.csv", "long.csv", "long.csv", "wide.csv",
            ])
        #expect(data.rejections.map(\.column) == [1, 2, 3, 4, 5, 6, 3])
        #expect(
            data.rejections.map(\.found) == ["2024-13", nil, "nope", "x", "万元", TextNormalization.excerpt(long), "5.5"])
    }
}

/// Failures whose kind is a type, not words in their message.
@Suite struct TypedFailureTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full"))
    func aFullDiskIsNoSpace() {
        // Every write to /dev/full fails with ENOSPC.
        let failure = #expect(throws: AtomicPublisher.Failure.self) {
            try AtomicPublisher.write(Data("x".utf8), to: URL(fileURLWithPath: "/dev/full"))
        }
        #expect(failure?.kind == .noSpace)
        #expect(failure?.mentionsFreeSpace == true)
        #expect(
            failure?.description == "cannot write /dev/full: No space left on device; free disk space and run again")
    }

    @Test func aPathThatSaysFreeDiskSpaceIsNotAFullDisk() throws {
        let tmp = try TemporaryFolder()
        let url = tmp.file("free disk space and run again/aggregates.csv")  // the folder does not exist
        let failure = #expect(throws: AtomicPublisher.Failure.self) { try AtomicPublisher.write(Data(), to: url) }
        #expect(failure?.description.contains("free disk space") == true)
        #expect(failure?.kind == .other)
        #expect(failure?.mentionsFreeSpace == false)
    }

    @Test func aFolderIsNotARegularFile() throws {
        let tmp = try TemporaryFolder()
        let folder = #expect(throws: IOFailure.self) { _ = try FileByteSource(path: tmp.url.path) }
        #expect(folder?.kind == .notRegularFile)
        #expect(
            folder?.reason
                == "it is not a regular file (a folder, a link to a folder, a pipe or a device); only regular CSV files are read"
        )
        #expect(folder?.description == "cannot read (not a regular file) \(tmp.url.path): \(folder?.reason ?? "")")
        let missing = #expect(throws: IOFailure.self) { _ = try FileByteSource(path: tmp.file("none.csv").path) }
        #expect(missing?.kind == .systemCall)
        #expect(missing?.reason == "No such file or directory")
    }

    @Test func theDigestReadsEveryChunk() throws {
        let tmp = try TemporaryFolder()
        // Three 1 MiB chunks and a bit; the expected digest computed with Python's hashlib.
        let bytes = (0..<(3 << 20) + 7).map { UInt8($0 % 251) }
        let url = try tmp.write("big.csv", Data(bytes))
        #expect(
            try FileDigest.sha256(of: url.path) == "f578a61853ca2f4272dba551bd868420e22302fbb6d6dfc0cc80da1d2c7b779f")
    }
}
