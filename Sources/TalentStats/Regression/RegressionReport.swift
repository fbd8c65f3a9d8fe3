import Foundation
import XlsxWriter

/// Writes a ``Comparison`` for people (`text`) or machines (`csv`, `json`).
public struct RegressionReport {
    public enum Format: String, Sendable, CaseIterable { case text, csv, json }

    public let comparison: Comparison
    public let reference: ReferenceData?
    public let explanations: [AggregateKey: [String]]
    public let inputChanges: InputChanges?
    public let baseline: String
    public let current: String

    public init(
        comparison: Comparison, reference: ReferenceData?, explanations: [AggregateKey: [String]] = [:],
        inputChanges: InputChanges? = nil, baseline: String, current: String
    ) {
        self.comparison = comparison
        self.reference = reference
        self.explanations = explanations
        self.inputChanges = inputChanges
        self.baseline = baseline
        self.current = current
    }

    func districtName(_ code: String) -> String {
        guard let reference else { return "" }
        if code == reference.city.code { return reference.city.name }
        return reference.districts.first { $0.code == code }?.name ?? ""
    }

    func metricName(_ id: String) -> String {
        reference?.metrics.first { $0.id == id }?.nameZh ?? ""
    }

    static func percent(_ d: FixedDecimal?) -> String {
        guard let d else { return "" }
        return FixedDecimal(units: d.units * 100).description + "%"
    }

    public var summary: String {
        let c = comparison
        return
            "\(c.compared) keys compared: \(c.equal) equal, \(c.withinTolerance) within tolerance, \(c.changed) changed, \(c.added) added, \(c.removed) removed"
    }

    static let columns = [
        "kind", "period", "district_code", "district", "metric", "metric_name", "measure", "old", "new", "abs_delta",
        "rel_delta", "cause",
    ]

    func fields(_ d: Comparison.Difference) -> [String] {
        [
            d.kind.rawValue, d.key.period, d.key.districtCode, districtName(d.key.districtCode), d.key.metric,
            metricName(d.key.metric),
            d.key.measure.rawValue, d.old?.description ?? "", d.new?.description ?? "",
            d.absoluteDelta?.description ?? "",
            d.relativeDelta?.description ?? "", (explanations[d.key] ?? []).joined(separator: "; "),
        ]
    }

    public func render(_ format: Format) throws -> String {
        switch format {
        case .csv:
            var csv = CSVText(header: Self.columns)
            for d in comparison.differences { csv.append(fields(d)) }
            return csv.text
        case .json:
            let object: [String: Any] = [
                "baseline": baseline, "current": current,
                "summary": [
                    "compared": comparison.compared, "equal": comparison.equal,
                    "within_tolerance": comparison.withinTolerance,
                    "changed": comparison.changed, "added": comparison.added, "removed": comparison.removed,
                ],
                "input_changes": inputChanges.map { ["added": $0.added, "removed": $0.removed, "changed": $0.changed] }
                    as Any,
                "differences": comparison.differences.map { d -> [String: Any] in
                    var row: [String: Any] = [:]
                    for (name, value) in zip(Self.columns, fields(d)) where name != "cause" { row[name] = value }
                    row["causes"] = explanations[d.key] ?? []
                    return row
                },
            ]
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        case .text:
            var out = "baseline: \(baseline)\ncurrent:  \(current)\n\(summary)\n"
            if let changes = inputChanges, !changes.isEmpty {
                out +=
                    "input files since the baseline: \(changes.added.count) added, \(changes.removed.count) removed, \(changes.changed.count) changed\n"
                for path in changes.added { out += "  + \(path)\n" }
                for path in changes.removed { out += "  - \(path)\n" }
                for path in changes.changed { out += "  ~ \(path)\n" }
            }
            guard !comparison.differences.isEmpty else { return out + "no differences beyond tolerance\n" }
            let header = ["kind", "period", "district", "metric", "measure", "old", "new", "Δ", "Δ%"]
            var rows = [header]
            for d in comparison.differences {
                let district = [d.key.districtCode, districtName(d.key.districtCode)].filter { !$0.isEmpty }.joined(
                    separator: " ")
                let metric = [d.key.metric, metricName(d.key.metric)].filter { !$0.isEmpty }.joined(separator: " ")
                rows.append([
                    d.kind.rawValue, d.key.period, district, metric, d.key.measure.rawValue, d.old?.description ?? "—",
                    d.new?.description ?? "—", d.absoluteDelta?.description ?? "—",
                    Self.percent(d.relativeDelta).isEmpty ? "—" : Self.percent(d.relativeDelta),
                ])
            }
            let widths = (0..<header.count).map { c in rows.map { Int(DisplayWidth.of($0[c])) }.max() ?? 0 }
            for (i, row) in rows.enumerated() {
                out +=
                    zip(row, widths).map { cell, width in
                        cell + String(repeating: " ", count: max(0, width - Int(DisplayWidth.of(cell))))
                    }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
                if i > 0, let causes = explanations[comparison.differences[i - 1].key] {
                    for cause in causes { out += "    ← \(cause)\n" }
                }
            }
            return out
        }
    }
}
