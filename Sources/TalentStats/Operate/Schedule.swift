import Foundation

/// Which month a scheduled run reports.
public enum Schedule {
    /// The office's time zone unless configured otherwise.
    public static let defaultTimeZone = "Asia/Shanghai"

    /// The calendar month before the one `now` falls in, in `timeZone`: a cron run on the 5th of
    /// January at 02:00 reports December of the previous year.
    public static func previousMonth(now: Date, timeZone: TimeZone) -> YearMonth {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        let current = YearMonth(year: parts.year!, month: parts.month!)!
        return current.previous!
    }

    /// "Now", which tests may fix with `TALENTSTATS_NOW` (ISO 8601, e.g. `2025-01-01T00:30:00+08:00`).
    public static func now(environment: [String: String] = ProcessInfo.processInfo.environment) -> Date {
        if let text = environment["TALENTSTATS_NOW"], let date = ISO8601DateFormatter().date(from: text) { return date }
        return Date()
    }
}
