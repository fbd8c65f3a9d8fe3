import Foundation
import TOMLKit

/// Settings an operator would otherwise pass on every run, read from a TOML file.
///
/// Precedence: command-line flags, then this file, then the defaults. Every key is optional;
/// an unknown key, a value of the wrong type or a TOML syntax error is a ``ConfigurationError``
/// naming the file, line and key. See `docs/talentstats.example.toml`.
public struct Configuration: Sendable, Equatable {
    public var input: String?
    public var output: String?
    /// IANA name, e.g. `Asia/Shanghai`: the office's time zone, which decides "last month".
    public var timeZone: String?
    public var organization: String?
    public var contact: String?
    /// |环比| above this is an outlier, as a fraction (0.5 = 50%).
    public var outlierThreshold: FixedDecimal?
    public var logFile: String?
    public var maxRecordBytes: Int?
    public var maxFileBytes: Int?
    /// Returns are due by this day of the following month.
    public var deadlineDay: Int?
    /// How many of the latest months are provisional ([p]), 0–12.
    public var provisionalMonths: Int?
    /// Disclosure control (any of the three turns it on; the others take their defaults).
    public var disclosureMinEnterprises: Int?
    public var disclosureDominanceN: Int?
    public var disclosureDominanceK: FixedDecimal?
    /// The sheet of a workbook that holds the table (default: the first visible sheet).
    public var sheet: String?

    public init() {}

    /// The keys a file may contain, with what each expects (for messages).
    static let keys: [String: String] = [
        "input": "a folder path", "output": "a folder path", "time_zone": "an IANA time zone such as \"Asia/Shanghai\"",
        "organization": "text", "contact": "text", "outlier_threshold": "a fraction such as 0.5",
        "log_file": "a file path", "max_record_bytes": "a positive whole number",
        "max_file_bytes": "a positive whole number", "deadline_day": "a day of the month from 1 to 28",
        "sheet": "a sheet name", "provisional_months": "a number of months from 0 to 12",
        "disclosure_min_enterprises": "a positive whole number", "disclosure_dominance_n": "a positive whole number",
        "disclosure_dominance_k": "a percentage from 0 to 100 such as 85",
    ]

    /// Reads and checks a configuration file.
    public static func load(from url: URL) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigurationError(
                file: url.path, line: nil, message: "cannot read the configuration file (missing or unreadable)")
        }
        // The TOML parser reads C strings: a NUL would silently end the file there.
        if let nul = data.firstIndex(of: 0) {
            throw ConfigurationError(
                file: url.path, line: data[..<nul].filter { $0 == 0x0A }.count + 1,
                message:
                    "the configuration file contains a NUL byte (offset \(nul - data.startIndex)); save it as plain UTF-8 text"
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: url.path, line: nil, message: "the configuration file is not UTF-8 text")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: url.path, line: error.source.begin.line, message: "not valid TOML: \(error.description)")
        }
        func lineOf(_ key: String) -> Int? {
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { line in
                line.trimmingCharacters(in: .whitespaces).hasPrefix(key)
            }.map { $0 + 1 }
        }
        func fail(_ key: String, _ message: String) -> ConfigurationError {
            ConfigurationError(file: url.path, line: lineOf(key), message: message)
        }
        var config = Configuration()
        for key in table.keys.sorted() {
            guard let expected = keys[key] else {
                throw fail(key, "unknown key '\(key)'; the keys are \(keys.keys.sorted().joined(separator: ", "))")
            }
            let value = table[key]!
            func string() throws -> String {
                guard let s = value.string, !s.isEmpty else { throw fail(key, "'\(key)' must be \(expected)") }
                return s
            }
            func positive() throws -> Int {
                guard let n = value.int, n > 0 else { throw fail(key, "'\(key)' must be \(expected)") }
                return n
            }
            switch key {
            case "input": config.input = try string()
            case "output": config.output = try string()
            case "time_zone":
                let name = try string()
                guard TimeZone(identifier: name) != nil else {
                    throw fail(key, "'\(name)' is not a time zone; expected \(expected)")
                }
                config.timeZone = name
            case "organization": config.organization = try string()
            case "contact": config.contact = try string()
            case "outlier_threshold":
                let text = value.double.map { String($0) } ?? value.int.map { String($0) } ?? value.string
                guard let text, let fraction = FixedDecimal(plain: Substring(text)) else {
                    throw fail(key, "'\(key)' must be \(expected)")
                }
                config.outlierThreshold = fraction
            case "log_file": config.logFile = try string()
            case "max_record_bytes": config.maxRecordBytes = try positive()
            case "max_file_bytes": config.maxFileBytes = try positive()
            case "sheet": config.sheet = try string()
            case "disclosure_min_enterprises": config.disclosureMinEnterprises = try positive()
            case "disclosure_dominance_n": config.disclosureDominanceN = try positive()
            case "disclosure_dominance_k":
                let text = value.double.map { String($0) } ?? value.int.map { String($0) }
                guard let text, let k = FixedDecimal(plain: Substring(text)), k <= FixedDecimal(100) else {
                    throw fail(key, "'\(key)' must be \(expected)")
                }
                config.disclosureDominanceK = k
            case "provisional_months":
                guard let n = value.int, (0...12).contains(n) else { throw fail(key, "'\(key)' must be \(expected)") }
                config.provisionalMonths = n
            case "deadline_day":
                let day = try positive()
                guard day <= 28 else { throw fail(key, "'\(key)' must be \(expected)") }
                config.deadlineDay = day
            default: break
            }
        }
        return config
    }
}
