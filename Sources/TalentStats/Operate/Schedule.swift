import Foundation

/// Which month a scheduled run reports.
public enum Schedule {
    /// The office's time zone unless configured otherwise.
    public static let defaultTimeZone = "Asia/Shanghai"

    /// The calendar month before the one `now` falls in, in `timeZone`: a cron run on the 5th of
    /// January at 02:00 reports December of the previous year. Years outside
    /// ``YearMonth/validYears`` are clamped into it rather than trapping.
    public static func previousMonth(now: Date, timeZone: TimeZone) -> YearMonth {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        let lower = YearMonth.validYears.lowerBound
        let upper = YearMonth.validYears.upperBound
        let year = min(max(parts.year ?? upper, lower + 1), upper)
        let current = YearMonth(year: year, month: parts.month ?? 1) ?? YearMonth(year: upper, month: 1)
        return current?.previous ?? YearMonth(year: lower, month: 1)!  // a constant in range
    }

    /// "Now", which tests may fix with `TALENTSTATS_NOW` (ISO 8601, e.g. `2025-01-01T00:30:00+08:00`);
    /// an invalid value (refused by the command line, see ``EnvironmentSettings``) is not used.
    public static func now(environment: [String: String] = ProcessInfo.processInfo.environment) -> Date {
        if let date = (try? EnvironmentSettings.now(environment)) ?? nil { return date }
        return Date()
    }
}
