/// Why an observation or a file was rejected. The raw values are what `rejects.csv` shows.
public enum RejectCode: String, Sendable, CaseIterable, Codable, Comparable {
    /// The file cannot be used at all (encoding, header, unreadable); reported at line 0.
    case badFile = "bad_file"
    /// The record cannot be split into fields (unterminated quote, too long, too many fields).
    case badRow = "bad_row"
    case missingField = "missing_field"
    case badPeriod = "bad_period"
    case unknownDistrict = "unknown_district"
    case unknownMetric = "unknown_metric"
    case badUnit = "bad_unit"
    case badValue = "bad_value"
    /// The same period + district + metric (+ entity) again in the same file.
    case duplicate

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// What officials read in the workbook.
    public var chineseDescription: String {
        switch self {
        case .badFile: "文件无法使用"
        case .badRow: "行格式错误"
        case .missingField: "必填项为空"
        case .badPeriod: "统计期错误"
        case .unknownDistrict: "镇街不存在"
        case .unknownMetric: "指标不存在"
        case .badUnit: "计量单位错误"
        case .badValue: "数值错误"
        case .duplicate: "同一文件内重复"
        }
    }
}

/// One rejected observation (or a whole file, at line 0).
public struct Rejection: Sendable, Equatable {
    /// Path relative to the raw input folder.
    public let file: String
    public let line: Int
    public let code: RejectCode
    /// What was found and what was expected.
    public let message: String
    /// The 1-based column of the offending field, when known.
    public var column: Int? = nil
    /// An excerpt of the offending field as written, when there is one.
    public var found: String? = nil

    public init(file: String, line: Int, code: RejectCode, message: String, column: Int? = nil, found: String? = nil) {
        self.file = file
        self.line = line
        self.code = code
        self.message = message
        self.column = column
        self.found = found
    }
}
