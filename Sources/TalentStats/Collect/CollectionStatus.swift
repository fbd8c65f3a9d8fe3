import Foundation

/// 报送情况: for the report month, what each district sent, what of it counts, and whether it is
/// missing, incomplete, late or complete — so the office knows whom to call before publishing.
///
/// A district "sent" a file when the file holds an accepted observation of the district for the
/// report month (a returned form is its district's by its marker). Its return arrived when the
/// latest of those files was last modified; it is late when that is after the deadline: the end of
/// day ``RunOptions/deadlineDay`` of the following month, in the office's time zone.
public struct CollectionStatus: Sendable {
    public enum State: String, Sendable {
        /// `rejected`: nothing counts for the month and its form was refused (see 拒收明细).
        case complete, incomplete, missing, rejected
        public var chinese: String {
            switch self {
            case .complete: "已报齐"
            case .incomplete: "部分缺报"
            case .missing: "未报送"
            case .rejected: "报表被拒收"
            }
        }
    }

    public struct Sent: Sendable {
        public let file: Int
        public let path: String
        /// `form`, `workbook` or `csv`.
        public let kind: String
        public let modified: Date?
        /// Observations of this district for the report month that count, from this file.
        public let used: Int
        /// Rows of this file rejected: counted for a returned form (all its rows are its district's);
        /// a refused form is one rejection.
        public let rejected: Int
    }

    public struct Entry: Sendable {
        public let district: Int
        public let sent: [Sent]
        public let used: Int
        public let missingMetrics: [Int]
        public let state: State
        /// The latest of its files' modification times is after the deadline.
        public let late: Bool
        public var arrived: Date? { sent.compactMap(\.modified).max() }

        public var chinese: String {
            late ? "\(state.chinese)（逾期）" : state.chinese
        }
    }

    public let period: YearMonth
    public let deadline: Date
    public let entries: [Entry]

    public var missing: Int { entries.filter { $0.state == .missing }.count }
    public var rejected: Int { entries.filter { $0.state == .rejected }.count }
    public var late: Int { entries.filter(\.late).count }

    /// The end of `day` of the month after `period`, in `timeZone`.
    public static func deadline(for period: YearMonth, day: Int, timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let next = period.next
        let start = calendar.date(from: DateComponents(year: next.year, month: next.month, day: day))!
        return calendar.date(byAdding: .day, value: 1, to: start)!.addingTimeInterval(-1)
    }

    /// - Parameters:
    ///   - deadlineDay: returns are due by the end of this day of the following month
    ///     (``RunOptions/deadlineDay``), in `timeZone`.
    public init(validated v: ValidatedData, quality: QualityFindings, deadlineDay: Int, timeZone: TimeZone) {
        period = v.reportPeriod
        let deadline = Self.deadline(for: v.reportPeriod, day: deadlineDay, timeZone: timeZone)
        self.deadline = deadline
        // Observations counted per district and file (a flat table: the month may hold millions).
        let fileCount = v.files.count
        var counts = [Int](repeating: 0, count: v.reference.districts.count * max(fileCount, 1))
        v.accepted.forEachSource(in: v.reportPeriod) { district, _, file in counts[district * fileCount + file] += 1 }
        let used: [[Int: Int]] = v.reference.districts.indices.map { d in
            var row: [Int: Int] = [:]
            for file in 0..<fileCount where counts[d * fileCount + file] > 0 {
                row[file] = counts[d * fileCount + file]
            }
            return row
        }
        var missing: [Int: [Int]] = [:]
        for m in quality.missing { missing[m.district] = m.metrics }
        // Every returned form of the month is its district's, used or refused.
        var forms: [Int: Set<Int>] = [:]
        for (i, f) in v.files.enumerated() {
            if let marker = f.facts.form, marker.period == v.reportPeriod,
                let d = v.reference.districts.firstIndex(where: { $0.code == marker.district })
            {
                forms[d, default: []].insert(i)
            }
        }
        entries = v.reference.districts.indices.map { d in
            let files = Set(used[d].keys).union(forms[d] ?? [])
            let sent = files.sorted().map { file in
                let record = v.files[file]
                let facts = record.facts
                let kind = facts.form != nil ? "form" : facts.format?.sheet != nil ? "workbook" : "csv"
                let rejected = facts.form == nil ? 0 : record.rejection != nil ? 1 : record.accounting.rejected
                return Sent(
                    file: file, path: facts.file.relativePath, kind: kind, modified: facts.modified,
                    used: used[d][file] ?? 0, rejected: rejected)
            }
            let total = sent.reduce(0) { $0 + $1.used }
            let lacking = missing[d] ?? []
            let state: State =
                total == 0
                ? (sent.contains { $0.rejected > 0 } ? .rejected : .missing) : lacking.isEmpty ? .complete : .incomplete
            let arrived = sent.compactMap(\.modified).max()
            return Entry(
                district: d, sent: sent, used: total, missingMetrics: total == 0 ? [] : lacking, state: state,
                late: total > 0 && (arrived.map { $0 > deadline } ?? false))
        }
    }

    /// The kind of a file in Chinese.
    public static func chineseKind(_ kind: String) -> String {
        switch kind {
        case "form": "填报表"
        case "workbook": "工作簿"
        default: "CSV"
        }
    }

    /// A time in the office's time zone, `2025-01-03 14:05`.
    public static func format(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }
}
