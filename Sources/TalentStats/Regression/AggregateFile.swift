import Foundation

/// An `aggregates.csv` read back for comparison: every figure by key, checked strictly.
public struct AggregateFile: Sendable {
    public let path: String
    public let values: [AggregateKey: FixedDecimal]

    /// The latest monthly period in the file (the report period of the run that wrote it).
    public var reportPeriod: YearMonth? {
        values.keys.compactMap { $0.period.count == 7 ? YearMonth(parsing: $0.period) : nil }.max()
    }

    public init(path: String, values: [AggregateKey: FixedDecimal]) {
        self.path = path
        self.values = values
    }

    /// The figures of a run, as `aggregates.csv` would hold them.
    public init(_ aggregates: Aggregates, path: String) {
        self.path = path
        var values: [AggregateKey: FixedDecimal] = [:]
        for row in aggregates.rows { values[row.key] = row.value.exact }
        self.values = values
    }

    /// Reads and checks a file: the exact header, five fields a row, a known measure, a period of
    /// the measure's kind, a decimal value, no key twice.
    /// - Throws: ``AggregateFileError`` naming the file and line.
    public static func load(_ url: URL) throws -> AggregateFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AggregateFileError(path: url.path, line: 0, message: "cannot read the file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AggregateFileError(path: url.path, line: 0, message: "not UTF-8 text")
        }
        var values: [AggregateKey: FixedDecimal] = [:]
        var firstLine: [AggregateKey: Int] = [:]
        let header = "period,district_code,metric,measure,value"
        var sawHeader = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            func fail(_ message: String) -> AggregateFileError {
                AggregateFileError(path: url.path, line: number, message: message)
            }
            if !sawHeader {
                guard line == header else {
                    throw fail("header is '\(TextNormalization.excerpt(String(line)))'; expected '\(header)'")
                }
                sawHeader = true
                continue
            }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 5 else { throw fail("\(f.count) fields; expected 5 (\(header))") }
            guard let measure = Measure(rawValue: String(f[3])) else {
                throw fail("unknown measure '\(TextNormalization.excerpt(String(f[3])))'")
            }
            let period = String(f[0])
            let periodOK =
                measure.isAnnual
                ? period.count == 4 && Int(period).map(YearMonth.validYears.contains) == true
                : period.count == 7 && YearMonth(parsing: period) != nil
            guard periodOK else {
                throw fail(
                    "period '\(TextNormalization.excerpt(period))' is not a \(measure.isAnnual ? "year (YYYY)" : "month (YYYY-MM)") for measure \(measure.rawValue)"
                )
            }
            guard !f[1].isEmpty, !f[2].isEmpty else { throw fail("empty district_code or metric") }
            guard let value = FixedDecimal(signed: f[4]) else {
                throw fail("value '\(TextNormalization.excerpt(String(f[4])))' is not a decimal number")
            }
            let key = AggregateKey(period: period, districtCode: String(f[1]), metric: String(f[2]), measure: measure)
            if let first = firstLine[key] {
                throw fail("duplicate key \(period),\(f[1]),\(f[2]),\(f[3]) (first on line \(first))")
            }
            firstLine[key] = number
            values[key] = value
        }
        guard sawHeader else {
            throw AggregateFileError(
                path: url.path, line: 0, message: "the file is empty; expected the header '\(header)'")
        }
        return AggregateFile(path: url.path, values: values)
    }
}

/// A baseline or current aggregates file that cannot be used.
public struct AggregateFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int
    public let message: String
    public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}

extension FixedDecimal {
    /// Plain decimal text with an optional leading `-` (ratios can be negative).
    public init?(signed text: Substring) {
        if text.hasPrefix("-") {
            guard let magnitude = FixedDecimal(plain: text.dropFirst()) else { return nil }
            self = FixedDecimal(units: -magnitude.units)
        } else {
            self.init(plain: text)
        }
    }

    /// |self|
    public var magnitude: FixedDecimal { FixedDecimal(units: units < 0 ? -units : units) }
}
