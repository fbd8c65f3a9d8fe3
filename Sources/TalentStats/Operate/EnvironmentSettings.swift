import Foundation

/// The environment variables talentstats reads, checked before a run starts so that a bad value is
/// a usage error (exit 64) naming the variable, never a crash or a silently different report.
///
/// - `SOURCE_DATE_EPOCH`: the generation date, a non-negative integer of seconds since
///   1970-01-01T00:00:00Z (<https://reproducible-builds.org/specs/source-date-epoch/>), at most
///   253402250399 (9999-12-31T09:59:59Z: the last instant that is in 9999 in every time zone, and
///   so one a workbook can record and print).
/// - `TALENTSTATS_NOW`: "now" for tests, ISO 8601 with a zone, in the years 1900–2100.
/// - `TALENTSTATS_TEST_HOOK`: fault injection for tests (``TestHooks``); a value that names no
///   hook or stage is ignored, as documented there.
public enum EnvironmentSettings {
    /// The latest `SOURCE_DATE_EPOCH` accepted.
    /// (9999-12-31T09:59:59Z: still in the year 9999 in every time zone, up to UTC+14.)
    public static let latestSourceDateEpoch: Int64 = 253_402_300_799 - 14 * 3600

    /// The date `SOURCE_DATE_EPOCH` gives; `nil` when it is not set.
    /// - Throws: ``ConfigurationError`` when it is set but is not a non-negative integer in range.
    public static func sourceDateEpoch(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> Date?
    {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return nil }
        let shown = TextNormalization.excerpt(text)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ConfigurationError(
                file: "environment", line: nil,
                message:
                    "SOURCE_DATE_EPOCH '\(shown)' is not a non-negative integer number of seconds since 1970-01-01 (e.g. 1735689600); unset it or fix it"
            )
        }
        guard let seconds = Int64(text), seconds <= latestSourceDateEpoch else {
            throw ConfigurationError(
                file: "environment", line: nil,
                message:
                    "SOURCE_DATE_EPOCH '\(shown)' is later than 9999-12-31 (at most \(latestSourceDateEpoch) seconds); unset it or fix it"
            )
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The time `TALENTSTATS_NOW` gives; `nil` when it is not set.
    /// - Throws: ``ConfigurationError`` when it is set but is not an ISO 8601 time in 1900–2100.
    public static func now(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> Date?
    {
        guard let text = environment["TALENTSTATS_NOW"] else { return nil }
        guard isStrictISO8601(text), let date = ISO8601DateFormatter().date(from: text) else {
            throw ConfigurationError(
                file: "environment", line: nil,
                message:
                    "TALENTSTATS_NOW '\(TextNormalization.excerpt(text))' is not an ISO 8601 time such as 2025-01-01T00:30:00+08:00; unset it"
            )
        }
        // Any time zone: the year must stay in range wherever "the previous month" is taken.
        let year =
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(secondsFromGMT: 0)!, from: date).year ?? 0
        guard ((YearMonth.validYears.lowerBound + 1)...(YearMonth.validYears.upperBound - 1)).contains(year) else {
            throw ConfigurationError(
                file: "environment", line: nil,
                message:
                    "TALENTSTATS_NOW '\(TextNormalization.excerpt(text))' is outside the years \(YearMonth.validYears.lowerBound + 1)–\(YearMonth.validYears.upperBound - 1); unset it"
            )
        }
        return date
    }

    /// `YYYY-MM-DDTHH:MM[:SS]` with `Z` or `±HH:MM`, every field in range (no 30 February, no
    /// +99:00): Foundation's parser would otherwise roll such a value over into another month.
    static func isStrictISO8601(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count, b[range].allSatisfy({ (48...57).contains($0) }) else { return nil }
            return b[range].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        func char(_ i: Int, _ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue! }
        guard let year = number(0..<4), char(4, "-"), let month = number(5..<7), char(7, "-"), let day = number(8..<10),
            char(10, "T"), let hour = number(11..<13), char(13, ":"), let minute = number(14..<16)
        else { return false }
        var i = 16
        var second = 0
        if char(i, ":") {
            guard let s = number(17..<19) else { return false }
            second = s
            i = 19
        }
        if char(i, "Z") {
            guard i + 1 == b.count else { return false }
        } else {
            guard char(i, "+") || char(i, "-"), let oh = number((i + 1)..<(i + 3)), char(i + 3, ":"),
                let om = number((i + 4)..<(i + 6)), i + 6 == b.count, oh <= 14, om <= 59
            else { return false }
        }
        let daysInMonth = [
            31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
        ]
        return (1...12).contains(month) && (1...daysInMonth[month - 1]).contains(day) && hour <= 23 && minute <= 59
            && second <= 59
    }

    /// Every problem with the environment, one message each (empty when all is well).
    public static func problems(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var found: [String] = []
        do throws(ConfigurationError) { _ = try sourceDateEpoch(environment) } catch { found.append(error.message) }
        do throws(ConfigurationError) { _ = try now(environment) } catch { found.append(error.message) }
        return found
    }
}
