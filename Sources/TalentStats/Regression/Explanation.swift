import Foundation

/// Traces changed figures back to the input rows that caused them.
///
/// The root of every change is a district's `month` figure (the only one read from input); every
/// other figure is derived from `month` figures of the same metric. For each changed figure this
/// names the rows of the current input behind the changed `month` figures it depends on: their file
/// and line, and, where a later file superseded an earlier one, both.
public struct Explainer: Sendable {
    let validated: ValidatedData
    /// (month, district index, metric index) → the current rows behind that figure (looked up on demand).
    private var sources: [RootKey: [SourcedValue]] = [:]
    private let revisions: [RootKey: [Revision]]
    private let replacedCells: [RootKey: [CellReplacement]]

    struct RootKey: Hashable {
        let month: YearMonth
        let district: Int
        let metric: Int
    }

    public init(validated: ValidatedData) {
        self.validated = validated
        var revisions: [RootKey: [Revision]] = [:]
        for revision in validated.revisions {
            revisions[
                RootKey(month: revision.key.month, district: revision.key.district, metric: revision.key.metric),
                default: []
            ].append(revision)
        }
        self.revisions = revisions
        var replacedCells: [RootKey: [CellReplacement]] = [:]
        for x in validated.replacedCells {
            replacedCells[RootKey(month: x.month, district: x.district, metric: x.metric), default: []].append(x)
        }
        self.replacedCells = replacedCells
    }

    /// Collects the accepted rows behind `roots` from the run's own key index: the rows the run
    /// counted, by the same rules (no file is read again).
    mutating func findSources(_ roots: Set<RootKey>) {
        for root in roots {
            sources[root] = validated.accepted.rows(month: root.month, district: root.district, metric: root.metric)
                .map { SourcedValue(value: $0.value, file: $0.file, line: $0.line) }
        }
    }

    private func path(_ file: Int) -> String { validated.files[file].facts.file.relativePath }

    /// The language of the explanations: English for the analysts' `check` and `diff`, Chinese for
    /// the workbook officials read (已发布数据修订).
    public enum Language: Sendable {
        case english
        case chinese
    }

    /// One line per input row behind a changed `month` figure.
    /// With `values` false (a workbook under a disclosure policy) the lines name files and lines
    /// only: no input value and no district total, which could be one enterprise's.
    func describe(_ root: RootKey, in language: Language = .english, values: Bool = true) -> [String] {
        let reference = validated.reference
        let district = reference.districts[root.district].name
        let metric = reference.metrics[root.metric]
        let zh = language == .chinese
        let what = zh ? "\(root.month) \(district) \(metric.nameZh)" : "\(root.month) \(district) \(metric.id)"
        var lines: [String] = []
        for revision in revisions[root] ?? [] {
            let new = "\(path(revision.new.file)):\(revision.new.line)"
            let old = "\(path(revision.old.file)):\(revision.old.line)"
            let change = values ? (zh ? "：" : ": ") + "\(revision.old.value) → \(revision.new.value)" : ""
            lines.append(zh ? "\(new) 修订 \(old)（\(what)\(change)）" : "\(new) revises \(old) (\(what)\(change))")
        }
        for x in replacedCells[root] ?? [] {
            let earlier = x.earlier.map {
                zh ? "\(path($0.file))（\($0.rows) 行）" : "\(path($0.file)) (\($0.rows) row\($0.rows == 1 ? "" : "s"))"
            }
            let how =
                switch (x.why, zh) {
                case (.otherKind(let toEntities), false):
                    "\(path(x.file)):\(x.line) reports \(what) \(toEntities ? "entity by entity" : "as a district total")"
                case (.otherKind(let toEntities), true):
                    "\(path(x.file)):\(x.line) \(toEntities ? "按企业逐条报送" : "按镇街合计报送")\(what)"
                case (.formReturn, false): "the returned form \(path(x.file)) is the whole of \(what)"
                case (.formReturn, true): "回收的报表 \(path(x.file)) 即\(what)的全部数据"
                }
            lines.append(
                zh
                    ? "\(how)，整体替换 \(earlier.joined(separator: "、"))"
                    : "\(how), replacing \(earlier.joined(separator: ", ")) whole")
        }
        let rows = sources[root] ?? []
        if rows.isEmpty {
            lines.append(
                zh
                    ? "\(what)：当前输入中没有采用的行（已删除，或现被拒收：见 rejects.csv）"
                    : "\(what): no accepted row in the current input (removed, or now rejected: see rejects.csv)")
        } else {
            let listed = rows.prefix(5).map { "\(path($0.file)):\($0.line)" }.joined(separator: zh ? "、" : ", ")
            let more =
                rows.count > 5 ? (zh ? " 等另 \(rows.count - 5) 行" : " and \(rows.count - 5) more rows") : ""
            let total = rows.reduce(FixedDecimal.zero) { $0 + $1.value }
            if values {
                lines.append(zh ? "\(what) = \(total)，来自 \(listed)\(more)" : "\(what) = \(total) from \(listed)\(more)")
            } else {
                lines.append(zh ? "\(what)：来自 \(listed)\(more)" : "\(what) from \(listed)\(more)")
            }
        }
        return lines
    }

    /// Explanations for `differences`, by key, in `language`; `values` false: files and lines only
    /// (``describe(_:in:values:)``).
    public mutating func explain(
        _ differences: [Comparison.Difference], in language: Language = .english, values: Bool = true
    ) -> [AggregateKey: [String]] {
        let reference = validated.reference
        var districtIndex: [String: Int] = [:]
        for (i, d) in reference.districts.enumerated() { districtIndex[d.code] = i }
        var metricIndex: [String: Int] = [:]
        for (i, m) in reference.metrics.enumerated() { metricIndex[m.id] = i }
        // The changed month figures of districts are the roots.
        var roots: [RootKey] = []
        for difference in differences where difference.key.measure == .month {
            guard let d = districtIndex[difference.key.districtCode], let m = metricIndex[difference.key.metric],
                let month = YearMonth(parsing: difference.key.period)
            else { continue }
            roots.append(RootKey(month: month, district: d, metric: m))
        }
        findSources(Set(roots))
        var result: [AggregateKey: [String]] = [:]
        for difference in differences {
            let key = difference.key
            guard let m = metricIndex[key.metric] else { continue }
            let year = Int(key.period.prefix(4)) ?? 0
            let acrossDistricts =
                key.districtCode == reference.city.code
                || [.share, .rank, .annualShare, .annualRank].contains(key.measure)
            let related = roots.filter { root in
                root.metric == m
                    && (acrossDistricts || reference.districts[root.district].code == key.districtCode)
                    && (root.month.year == year || root.month.year == year - 1)
            }
            let lines = related.flatMap { describe($0, in: language, values: values) }
            let unexplained =
                language == .chinese
                ? "该指标该年度没有变化的输入行：变化来自程序或参考数据"
                : "no changed input row found for this metric and year: the change comes from the code or the reference data"
            result[key] = lines.isEmpty ? [unexplained] : Array(NSOrderedSet(array: lines).array as! [String])
        }
        return result
    }
}

/// Input files that differ between a baseline's manifest and the current run.
public struct InputChanges: Sendable {
    public let added: [String]
    public let removed: [String]
    public let changed: [String]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Compares the `inputs` of a manifest.json with the current files (path → SHA-256).
    public static func between(manifest url: URL, current: [String: String]) -> InputChanges? {
        guard let data = FileManager.default.contents(atPath: url.path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let inputs = json["inputs"] as? [[String: Any]]
        else { return nil }
        var old: [String: String] = [:]
        for input in inputs {
            if let path = input["path"] as? String { old[path] = input["sha256"] as? String ?? "" }
        }
        return between(old: old, current: current)
    }

    /// Compares two sets of input files (path → SHA-256), e.g. a release's and the current run's.
    public static func between(old: [String: String], current: [String: String]) -> InputChanges {
        InputChanges(
            added: current.keys.filter { old[$0] == nil }.sorted(),
            removed: old.keys.filter { current[$0] == nil }.sorted(),
            changed: current.keys.filter { old[$0] != nil && old[$0] != current[$0] }.sorted())
    }
}
