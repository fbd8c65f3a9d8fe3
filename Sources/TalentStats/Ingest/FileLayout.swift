/// How a raw file lays out its observations.
public enum LayoutKind: String, Sendable, Codable {
    /// One observation per row: `period, district, metric, value[, unit][, entity]`.
    case long
    /// One row per period and district, one column per metric.
    case wide
}

/// What each column of a raw file holds, worked out from its header row.
public struct FileLayout: Sendable, Equatable {
    public enum Column: Sendable, Equatable {
        case period, district, metric, value, unit, entity
        /// Free text such as 备注: kept out of the figures.
        case note
        /// A wide-format metric column, with the unit its header states (if any).
        case metricValues(metric: Int, unit: MeasureUnit?)
    }

    public let kind: LayoutKind
    public let columns: [Column]
    /// The entity column holds unified social credit codes (its header says so, or it is a form's
    /// 企业明细): each must be present and pass the GB 32100 check (``CreditCode``).
    public var creditCodes = false
    /// Every row must name its entity (a form's 企业明细: its rows are enterprises). Elsewhere an
    /// empty entity is a district total.
    public var entityRequired = false

    /// Entity headers that declare credit codes (after width folding, trimming and lower-casing).
    static let creditCodeHeaders: Set<String> = ["统一社会信用代码", "社会信用代码", "credit_code", "uscc"]

    func index(of wanted: Column) -> Int? { columns.firstIndex(of: wanted) }

    /// Header aliases (after width folding, trimming and lower-casing).
    static let aliases: [String: Column] = {
        var table: [String: Column] = [:]
        func add(_ column: Column, _ names: [String]) { for n in names { table[n] = column } }
        add(.period, ["period", "month", "统计期", "年月", "月份", "统计月份", "报告期", "期别"])
        add(.district, ["district", "district_code", "district_name", "镇街", "镇街代码", "镇街名称", "镇(街)", "镇街(园区)", "地区"])
        add(.metric, ["metric", "metric_id", "indicator", "指标", "指标代码", "指标名称"])
        add(.value, ["value", "数值", "值", "指标值"])
        add(.unit, ["unit", "计量单位", "单位"])
        add(.entity, ["entity", "entity_id", "enterprise", "主体", "企业", "企业代码"] + creditCodeHeaders)
        add(.note, ["note", "notes", "remark", "remarks", "comment", "备注", "说明"])
        // The columns of talentstats' own form (FormTemplate) that carry no observation.
        add(.note, ["指标类型", "kind", "上期数(参考)", "上期数", "参考值", "reference"])
        return table
    }()

    /// Works out the layout from the header's (decoded) cells.
    /// - Returns: the layout, or a message saying what is wrong, for a `bad_file` rejection.
    static func detect(header: [String], reference: ReferenceData) -> Result<FileLayout, LayoutProblem> {
        var columns: [Column] = []
        var seen: [String: Int] = [:]
        var unknown: [String] = []
        var creditCodes = false
        for (position, raw) in header.enumerated() {
            let key = TextNormalization.key(raw)
            if creditCodeHeaders.contains(key) { creditCodes = true }
            if key.isEmpty {
                return .failure(LayoutProblem("column \(position + 1) has an empty header"))
            }
            if let first = seen[key] {
                return .failure(
                    LayoutProblem(
                        "columns \(first + 1) and \(position + 1) have the same header '\(TextNormalization.excerpt(raw))'"
                    ))
            }
            seen[key] = position
            if let role = aliases[key] {
                columns.append(role)
            } else if let (metric, unit) = metricColumn(key, reference: reference) {
                if case .failure(let problem) = unit {
                    return .failure(
                        LayoutProblem("column \(position + 1) '\(TextNormalization.excerpt(raw))': \(problem.message)"))
                }
                columns.append(.metricValues(metric: metric, unit: try? unit?.get()))
            } else {
                unknown.append("column \(position + 1) '\(TextNormalization.excerpt(raw))'")
                columns.append(.note)
            }
        }
        let has = { (c: Column) in columns.contains(c) }
        let metricColumns = columns.filter { if case .metricValues = $0 { true } else { false } }
        for role in [Column.period, .district, .metric, .value, .unit, .entity]
        where columns.filter({ $0 == role }).count > 1 {
            return .failure(LayoutProblem("more than one column means \(role)"))
        }
        let expectedLong = "period (统计期), district (镇街), metric (指标), value (数值)"
        if !unknown.isEmpty {
            let listed =
                unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? " and \(unknown.count - 5) more" : "")
            return .failure(
                LayoutProblem(
                    "unrecognised \(listed); expected the long layout \(expectedLong)[, unit, entity] or the wide layout period, district and one column per metric (\(reference.metrics.map(\.nameZh).joined(separator: "、"))); free text belongs in a 备注/note column"
                ))
        }
        let isLong = has(.metric) || has(.value)
        if isLong && !metricColumns.isEmpty {
            return .failure(
                LayoutProblem(
                    "the header has both long-layout columns (metric/value) and metric columns (\(metricColumns.count)); use one layout per file"
                ))
        }
        var missing: [String] = []
        if !has(.period) { missing.append("period (统计期)") }
        if !has(.district) { missing.append("district (镇街)") }
        if isLong {
            if !has(.metric) { missing.append("metric (指标)") }
            if !has(.value) { missing.append("value (数值)") }
        } else if metricColumns.isEmpty {
            missing.append("value columns: either metric + value (long layout) or one column per metric (wide layout)")
        }
        if !missing.isEmpty {
            return .failure(
                LayoutProblem(
                    "missing required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))"))
        }
        if !isLong && has(.unit) {
            return .failure(
                LayoutProblem(
                    "a unit column in the wide layout is ambiguous; state the unit in each metric header, e.g. 跨境电商出口额（万元）"
                ))
        }
        return .success(FileLayout(kind: isLong ? .long : .wide, columns: columns, creditCodes: creditCodes))
    }

    /// Matches `指标名（单位）`, `metric_id (unit)` or a bare metric name.
    private static func metricColumn(_ key: String, reference: ReferenceData) -> (
        Int, Result<MeasureUnit, LayoutProblem>?
    )? {
        if let metric = reference.metric(matching: key) { return (metric, nil) }
        // Width folding has turned （） into ().
        guard key.hasSuffix(")"), let open = key.lastIndex(of: "(") else { return nil }
        let name = String(key[..<open])
        let unitText = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
        guard let metric = reference.metric(matching: name) else { return nil }
        guard let unit = MeasureUnit.parse(unitText) else {
            return (
                metric,
                .failure(
                    LayoutProblem(
                        "unit '\(TextNormalization.excerpt(unitText))' is not known; expected one of \(MeasureUnit.symbols(of: reference.metrics[metric].unit.dimension).joined(separator: ", "))"
                    ))
            )
        }
        guard unit.dimension == reference.metrics[metric].unit.dimension else {
            return (
                metric,
                .failure(
                    LayoutProblem(
                        "unit '\(TextNormalization.excerpt(unitText))' does not measure \(reference.metrics[metric].nameZh) (\(reference.metrics[metric].unit.symbol))"
                    ))
            )
        }
        return (metric, .success(unit))
    }
}

/// Why a header cannot be used.
public struct LayoutProblem: Error, Sendable, Equatable {
    public let message: String
    init(_ message: String) { self.message = message }
}
