import Foundation

/// The figures a district last saw published, shown beside each input cell for reference.
public struct PublishedReference: Sendable {
    /// The report the figures come from.
    public let period: YearMonth
    /// `district code,metric id` → the `month` figure as published.
    public let values: [String: String]

    /// The latest report published under `folder` for a month before `period`, if any
    /// (`folder/YYYY-MM/aggregates.csv`).
    public static func latest(in folder: URL, before period: YearMonth) -> PublishedReference? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return nil }
        let periods = names.compactMap { name -> YearMonth? in
            guard name.count == 7, let p = YearMonth(parsing: name), p.description == name, p < period else {
                return nil
            }
            return p
        }.sorted()
        for p in periods.reversed() {
            let file = folder.appendingPathComponent("\(p)/aggregates.csv")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            var values: [String: String] = [:]
            let prefix = "\(p),"
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) && line.contains(",month,") {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                guard f.count == 5, f[3] == "month" else { continue }
                values["\(f[1]),\(f[2])"] = String(f[4])
            }
            return PublishedReference(period: p, values: values)
        }
        return nil
    }
}

/// The monthly form a district fills in (Excel or WPS) and sends back: a long-layout table that
/// talentstats reads like any workbook, with the period, district, metric, kind and unit filled in
/// and locked, the value and 备注 cells open and validated, the last published figure beside each
/// value for reference, and a hidden ``FormMarker`` that tells a returned form from any workbook.
