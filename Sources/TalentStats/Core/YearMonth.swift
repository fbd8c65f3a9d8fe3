/// A calendar month, e.g. 2024-03.
public struct YearMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1...12
    public let month: Int

    /// Years accepted in input and on the command line.
    public static let validYears = 1900...2100

    public init?(year: Int, month: Int) {
        guard Self.validYears.contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Months since year 0, for arithmetic and dense indexing.
    public var ordinal: Int { year * 12 + (month - 1) }

    public init?(ordinal: Int) {
        self.init(year: ordinal / 12, month: ordinal % 12 + 1)
    }

    public static func < (a: Self, b: Self) -> Bool { a.ordinal < b.ordinal }

    /// `YYYY-MM`.
    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        return "\(year)-\(m)"
    }

    public var previous: YearMonth? { YearMonth(ordinal: ordinal - 1) }
    /// The month after (December 2100 has none within the accepted years: itself then).
    public var next: YearMonth { YearMonth(ordinal: ordinal + 1) ?? self }
    public var sameMonthLastYear: YearMonth? { YearMonth(year: year - 1, month: month) }

    /// Parses the spellings districts use: `2024-01`, `2024-1`, `202401`, `2024/01`, `2024.01`,
    /// `2024年1月`, `2024年01月`. Full-width digits must already be folded.
    public init?(parsing raw: String) {
        // `YYYY-MM`, the canonical spelling (every period a figure's key holds), without trimming
        // or copying; the same result as the general path below gives it.
        if raw.utf8.count == 7 {
            var year = 0
            var month = 0
            var ok = true
            for (i, byte) in raw.utf8.enumerated() {
                if i == 4 {
                    ok = ok && byte == 0x2D
                    continue
                }
                let d = Int(byte) &- 48
                ok = ok && d >= 0 && d <= 9
                if i < 4 { year = year * 10 + d } else { month = month * 10 + d }
            }
            if ok {
                self.init(year: year, month: month)
                return
            }
        }
        let text = TextNormalization.trimmed(raw, of: .whitespaces)
        var year = 0
        var month = 0
        let bytes = Array(text.utf8)
        func number(_ slice: ArraySlice<UInt8>) -> Int? {
            guard !slice.isEmpty, slice.count <= 4, slice.allSatisfy({ (48...57).contains($0) }) else { return nil }
            return slice.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        if bytes.count == 6, let y = number(bytes[0..<4]), let m = number(bytes[4..<6]) {
            year = y
            month = m
        } else if text.hasSuffix("月"), let yearMark = text.firstIndex(of: "年") {
            guard let y = Int(text[..<yearMark]), String(text[..<yearMark]).utf8.count == 4,
                let m = number(
                    ArraySlice(Array(text[text.index(after: yearMark)..<text.index(before: text.endIndex)].utf8))),
                (1...2).contains(text[text.index(after: yearMark)..<text.index(before: text.endIndex)].count)
            else { return nil }
            year = y
            month = m
        } else if bytes.count >= 6, bytes.count <= 7,
            [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ".")].contains(bytes[4]),
            let y = number(bytes[0..<4]), let m = number(bytes[5...]), (1...2).contains(bytes.count - 5)
        {
            year = y
            month = m
        } else {
            return nil
        }
        self.init(year: year, month: month)
    }
}
