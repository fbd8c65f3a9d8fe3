import Foundation

/// The kind of a reporting unit in `districts.csv`.
public enum DistrictType: String, Sendable, CaseIterable {
    case city, subdistrict, town, park

    /// 街道, 镇, 园区, 市.
    public var chineseName: String {
        switch self {
        case .city: "市"
        case .subdistrict: "街道"
        case .town: "镇"
        case .park: "园区"
        }
    }

    /// The type as written in `districts.csv`: the English name (any case) or the Chinese one an
    /// official writes (市, 街道, 镇, 园区; also 街道办事处, 街道办, 地级市), surrounding spaces ignored.
    public static func parse(_ text: String) -> DistrictType? {
        let t = TextNormalization.clean(text)
        if let english = DistrictType(rawValue: t.lowercased()) { return english }
        switch t {
        case "市", "地级市", "全市": return .city
        case "街道", "街道办", "街道办事处": return .subdistrict
        case "镇": return .town
        case "园区": return .park
        default: return nil
        }
    }
}

/// One reporting unit (or the city itself).
public struct District: Hashable, Sendable {
    public let code: String
    public let name: String
    public let shortName: String
    public let type: DistrictType
}

/// Stock (a level at month end) or flow (an amount per month).
public enum MetricKind: String, Sendable {
    case stock, flow

    public var chineseName: String {
        switch self {
        case .stock: "时点数（存量）"
        case .flow: "时期数（流量）"
        }
    }
}

/// One metric of `metrics.csv`.
public struct Metric: Hashable, Sendable {
    public let id: String
    public let nameZh: String
    public let nameEn: String
    public let unit: MeasureUnit
    public let kind: MetricKind
    /// Whole numbers only (after unit conversion).
    public let integer: Bool
}

/// A problem in the reference data; it stops the run.
public struct ReferenceError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// The city, its districts and the metrics: everything that says what the input may contain.
/// Data, not code: another city swaps the two files.
public struct ReferenceData: Sendable {
    /// The city row (`type` = `city`).
    public let city: District
    /// The districts in file order (the order of every report).
    public let districts: [District]
    public let metrics: [Metric]

    private let districtLookup: [String: Int]
    private let metricLookup: [String: Int]

    public init(city: District, districts: [District], metrics: [Metric]) throws {
        self.city = city
        self.districts = districts
        self.metrics = metrics
        districtLookup = try Self.lookup(
            districts.map { ($0.name, [$0.code, $0.name, $0.shortName]) }, file: "districts.csv")
        metricLookup = try Self.lookup(metrics.map { ($0.id, [$0.id, $0.nameZh, $0.nameEn]) }, file: "metrics.csv")
    }

    /// Every spelling (normalized) → the index of the entry it names; a spelling that names two
    /// entries is an error.
    private static func lookup(_ entries: [(label: String, spellings: [String])], file: String) throws -> [String: Int]
    {
        var table: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            for key in Set(entry.spellings.map(TextNormalization.key)) {
                if let other = table[key], other != index {
                    throw ReferenceError(
                        file: file, line: 0, message: "'\(key)' names both \(entries[other].label) and \(entry.label)")
                }
                table[key] = index
            }
        }
        return table
    }

    /// The index in ``districts`` of the district written as a code, full name or short name.
    public func district(matching text: String) -> Int? { districtLookup[TextNormalization.key(text)] }

    /// Whether `text` names the city itself (whose figures are computed, never read).
    public func isCity(_ text: String) -> Bool {
        let key = TextNormalization.key(text)
        return [city.code, city.name, city.shortName].map(TextNormalization.key).contains(key)
    }

    /// The index in ``metrics`` of the metric written as its id, Chinese or English name.
    public func metric(matching text: String) -> Int? { metricLookup[TextNormalization.key(text)] }

    // MARK: - Loading

    /// Loads `districts.csv` and `metrics.csv` from `directory`.
    /// - Throws: ``ReferenceError`` naming the file and line of the first problem found, after
    ///   collecting them all into its message.
    public static func load(from directory: URL) throws -> ReferenceData {
        let districtsFile = directory.appendingPathComponent("districts.csv")
        let metricsFile = directory.appendingPathComponent("metrics.csv")
        var problems: [ReferenceError] = []

        let districtRows = try readTable(districtsFile, columns: ["code", "name", "short_name", "type"])
        var city: District?
        var districts: [District] = []
        var seenCodes: [String: Int] = [:]
        for row in districtRows {
            let f = row.fields
            func fail(_ message: String) {
                problems.append(ReferenceError(file: districtsFile.path, line: row.line, message: message))
            }
            guard f.allSatisfy({ !$0.isEmpty }) else {
                fail("every column (code, name, short_name, type) must be filled")
                continue
            }
            guard f[0].allSatisfy(\.isASCII), f[0].allSatisfy(\.isNumber) else {
                fail("code '\(f[0])' must be digits (an administrative division code)")
                continue
            }
            guard let type = DistrictType.parse(f[3]) else {
                fail(
                    "type '\(f[3])' is not one of \(DistrictType.allCases.map { "\($0.rawValue) (\($0.chineseName))" }.joined(separator: ", "))"
                )
                continue
            }
            if let first = seenCodes[f[0]] {
                fail("duplicate code \(f[0]) (first on line \(first))")
                continue
            }
            seenCodes[f[0]] = row.line
            let district = District(code: f[0], name: f[1], shortName: f[2], type: type)
            if type == .city {
                if city != nil {
                    fail("a second row of type city (\(f[1])); exactly one is allowed")
                } else {
                    city = district
                }
            } else {
                districts.append(district)
            }
        }
        if city == nil {
            problems.append(
                ReferenceError(
                    file: districtsFile.path, line: 0, message: "no row of type city; exactly one is required"))
        }
        if districts.isEmpty {
            problems.append(ReferenceError(file: districtsFile.path, line: 0, message: "no districts"))
        }

        let metricRows = try readTable(metricsFile, columns: ["id", "name_zh", "name_en", "unit", "kind", "integer"])
        var metrics: [Metric] = []
        var seenIDs: [String: Int] = [:]
        for row in metricRows {
            let f = row.fields
            func fail(_ message: String) {
                problems.append(ReferenceError(file: metricsFile.path, line: row.line, message: message))
            }
            guard f.allSatisfy({ !$0.isEmpty }) else {
                fail("every column (id, name_zh, name_en, unit, kind, integer) must be filled")
                continue
            }
            guard f[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                fail("id '\(f[0])' must be ASCII letters, digits and _")
                continue
            }
            guard let unit = MeasureUnit.parse(f[3]) else {
                fail("unit '\(f[3])' is not known (人, 万人, 元, 万元, 亿元, …)")
                continue
            }
            guard let kind = MetricKind(rawValue: f[4].lowercased()) else {
                fail("kind '\(f[4])' is not stock or flow")
                continue
            }
            guard let integer = ["true": true, "false": false][f[5].lowercased()] else {
                fail("integer '\(f[5])' is not true or false")
                continue
            }
            if let first = seenIDs[f[0]] {
                fail("duplicate id \(f[0]) (first on line \(first))")
                continue
            }
            seenIDs[f[0]] = row.line
            metrics.append(Metric(id: f[0], nameZh: f[1], nameEn: f[2], unit: unit, kind: kind, integer: integer))
        }
        if metrics.isEmpty { problems.append(ReferenceError(file: metricsFile.path, line: 0, message: "no metrics")) }

        if !problems.isEmpty {
            let first = problems[0]
            let rest = problems.dropFirst().map { "\n  \($0)" }.joined()
            throw ReferenceError(file: first.file, line: first.line, message: first.message + rest)
        }
        return try ReferenceData(city: city!, districts: districts, metrics: metrics)
    }

    /// A small CSV file read whole: the header must be exactly `columns` (in order, any case).
    static func readTable(_ url: URL, columns: [String]) throws -> [(line: Int, fields: [String])] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReferenceError(file: url.path, line: 0, message: "cannot read the file (missing or unreadable)")
        }
        var probe = MemoryByteSource(Array(data))
        let survey = try FileSurvey.survey(&probe, reopen: { MemoryByteSource(Array(data)) })
        guard let encoding = survey.encoding else {
            throw ReferenceError(file: url.path, line: 0, message: survey.problem ?? "unreadable encoding")
        }
        var scanner = CSVScanner(source: MemoryByteSource(Array(data.dropFirst(encoding.bomLength))))
        var rows: [(Int, [String])] = []
        var header: [String]?
        while let event = try scanner.next() {
            switch event {
            case .malformed(let line, let message):
                throw ReferenceError(file: url.path, line: line, message: message)
            case .record(let line, let raw):
                let fields = raw.map { TextNormalization.clean(encoding.decode($0) ?? "") }
                if header == nil {
                    let names = fields.map { $0.lowercased() }
                    guard names == columns else {
                        throw ReferenceError(
                            file: url.path, line: line,
                            message:
                                "header is '\(fields.joined(separator: ","))'; expected '\(columns.joined(separator: ","))'"
                        )
                    }
                    header = names
                    continue
                }
                guard fields.count == columns.count else {
                    throw ReferenceError(
                        file: url.path, line: line,
                        message: "\(fields.count) fields; expected \(columns.count) (\(columns.joined(separator: ",")))"
                    )
                }
                rows.append((line, fields))
            }
        }
        if header == nil {
            throw ReferenceError(
                file: url.path, line: 0,
                message: "the file is empty; expected the header '\(columns.joined(separator: ","))'")
        }
        return rows
    }
}
