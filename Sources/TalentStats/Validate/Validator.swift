/// What identifies an observation: resubmissions and duplicates are detected on this, after
/// normalization (period parsed, district resolved to its index, metric to its index, entity trimmed).
public struct ObservationKey: Hashable, Sendable {
    public let month: YearMonth
    public let district: Int
    public let metric: Int
    public let entity: String
}

/// An accepted value and where it came from.
public struct SourcedValue: Sendable, Equatable {
    public let value: FixedDecimal
    public let file: Int
    public let line: Int
}

/// A later file replaced an earlier file's value for the same key.
public struct Revision: Sendable, Equatable {
    public let key: ObservationKey
    public let old: SourcedValue
    public let new: SourcedValue
}

/// How the observations of one file (or of the run) were used. Observations read =
/// used + rejected + outOfScope + superseded.
public struct RowAccounting: Sendable, Equatable, Codable {
    public var read = 0
    public var used = 0
    public var rejected = 0
    public var outOfScope = 0
    public var superseded = 0

    public var balances: Bool { read == used + rejected + outOfScope + superseded }

    public static func + (a: Self, b: Self) -> Self {
        RowAccounting(read: a.read + b.read, used: a.used + b.used, rejected: a.rejected + b.rejected,
                      outOfScope: a.outOfScope + b.outOfScope, superseded: a.superseded + b.superseded)
    }

    enum CodingKeys: String, CodingKey {
        case read, used, rejected, outOfScope = "out_of_scope", superseded
    }
}

/// One input file's record for the manifest and the data-quality sheet.
public struct FileRecord: Sendable {
    public let facts: FileFacts
    /// Set when the whole file was rejected.
    public let rejection: String?
    public var accounting: RowAccounting
}

/// The gate's result: every accepted observation by key, and everything else with its reason.
public struct ValidatedData: Sendable {
    public let reference: ReferenceData
    public let reportPeriod: YearMonth
    public let observations: [ObservationKey: SourcedValue]
    public let files: [FileRecord]
    public let rejections: [Rejection]
    public let revisions: [Revision]

    public var totals: RowAccounting { files.reduce(RowAccounting()) { $0 + $1.accounting } }
    public var filesRejected: Int { files.filter { $0.rejection != nil }.count }
}

/// The gate between ingest and aggregation: interprets raw observations, rejects with a reason,
/// detects duplicates within a file and resubmissions across files, and accounts for every row.
///
/// Feed it files in processing order: ``begin(_:)``, ``take(_:)`` for each event, ``end(_:)``.
/// Memory grows with the number of distinct keys (to detect resubmissions), not with file size.
public struct Validator {
    public let reference: ReferenceData
    public let reportPeriod: YearMonth

    private var store: [ObservationKey: SourcedValue] = [:]
    private var files: [FileRecord] = []
    private var rejections: [Rejection] = []
    private var revisions: [Revision] = []

    // The file being read.
    private var current: InputFile?
    private var accounting = RowAccounting()
    private var seenInFile: [ObservationKey: Int] = [:]
    /// Accounting changes to earlier files caused by this file's resubmissions.
    private var supersededInFile: [Int: Int] = [:]

    /// The longest entity identifier accepted (a unified social credit code has 18 characters).
    public static let maxEntityLength = 64

    public init(reference: ReferenceData, reportPeriod: YearMonth) {
        self.reference = reference
        self.reportPeriod = reportPeriod
    }

    public mutating func begin(_ file: InputFile) {
        precondition(current == nil, "begin(_:) called twice without end(_:)")
        precondition(file.index == files.count, "files must be fed in processing order")
        current = file
        accounting = RowAccounting()
        seenInFile = [:]
    }

    public mutating func take(_ event: IngestEvent) {
        guard let file = current else { preconditionFailure("take(_:) outside a file") }
        accounting.read += 1
        switch event {
        case .malformedRecord(let line, let message):
            reject(file, line, .badRow, message)
        case .observation(let raw):
            switch interpret(raw) {
            case .failure(let failure):
                reject(file, raw.line, failure.code, failure.message)
            case .success(let (key, value)):
                if let first = seenInFile[key] {
                    reject(file, raw.line, .duplicate, "repeats \(describe(key)) from line \(first) of this file; only the first is used")
                    return
                }
                seenInFile[key] = raw.line
                guard key.month <= reportPeriod else {
                    accounting.outOfScope += 1
                    return
                }
                let new = SourcedValue(value: value, file: file.index, line: raw.line)
                if let old = store[key] {
                    // A later file resubmits this key: the earlier value is superseded.
                    files[old.file].accounting.used -= 1
                    files[old.file].accounting.superseded += 1
                    revisions.append(Revision(key: key, old: old, new: new))
                }
                store[key] = new
                accounting.used += 1
            }
        }
    }

    public mutating func end(_ outcome: FileOutcome) {
        guard let file = current else { preconditionFailure("end(_:) outside a file") }
        current = nil
        seenInFile = [:]
        switch outcome {
        case .read(let facts):
            files.append(FileRecord(facts: facts, rejection: nil, accounting: accounting))
        case .rejected(let facts, let message):
            precondition(accounting.read == 0, "a rejected file emitted observations")
            rejections.append(Rejection(file: file.relativePath, line: 0, code: .badFile, message: message))
            files.append(FileRecord(facts: facts, rejection: message, accounting: RowAccounting()))
        }
    }

    public func finish() -> ValidatedData {
        precondition(current == nil, "finish() inside a file")
        return ValidatedData(reference: reference, reportPeriod: reportPeriod, observations: store,
                             files: files, rejections: rejections, revisions: revisions)
    }

    // MARK: - Rules

    private mutating func reject(_ file: InputFile, _ line: Int, _ code: RejectCode, _ message: String) {
        accounting.rejected += 1
        rejections.append(Rejection(file: file.relativePath, line: line, code: code, message: message))
    }

    private func describe(_ key: ObservationKey) -> String {
        let entity = key.entity.isEmpty ? "" : " entity \(TextNormalization.excerpt(key.entity))"
        return "\(key.month) \(reference.districts[key.district].name) \(reference.metrics[key.metric].id)\(entity)"
    }

    /// Checks one raw observation, field by field in a fixed order, so each rejection has one reason.
    private func interpret(_ raw: RawObservation) -> Result<(ObservationKey, FixedDecimal), FieldRules.Failure> {
        let required: [(String, String)] = [("period", raw.period), ("district", raw.district), ("metric", raw.metric), ("value", raw.value)]
        let empty = required.filter { TextNormalization.clean($0.1).isEmpty }.map(\.0)
        if !empty.isEmpty {
            return .failure(.init(code: .missingField, message: "empty \(empty.joined(separator: ", ")); every observation needs period, district, metric and value"))
        }
        let period: YearMonth
        switch FieldRules.period(raw.period) {
        case .failure(let f): return .failure(f)
        case .success(let p): period = p
        }
        guard let district = reference.district(matching: raw.district) else {
            if reference.isCity(raw.district) {
                return .failure(.init(code: .unknownDistrict, message: "'\(TextNormalization.excerpt(raw.district))' is the city itself; the city's figures are computed from its districts, so report each district instead"))
            }
            return .failure(.init(code: .unknownDistrict, message: "district '\(TextNormalization.excerpt(raw.district))' is not in districts.csv; expected a code, full name or short name such as \(reference.districts[0].code), \(reference.districts[0].name) or \(reference.districts[0].shortName)"))
        }
        guard let metricIndex = reference.metric(matching: raw.metric) else {
            return .failure(.init(code: .unknownMetric, message: "metric '\(TextNormalization.excerpt(raw.metric))' is not in metrics.csv; expected an id or name such as \(reference.metrics.map { "\($0.id)/\($0.nameZh)" }.joined(separator: ", "))"))
        }
        let metric = reference.metrics[metricIndex]
        let number: FixedDecimal
        switch FieldRules.number(raw.value) {
        case .failure(let f):
            // A bad unit is the more useful message when both are wrong.
            if case .failure(let unitFailure) = FieldRules.converted(.zero, unitText: raw.unit, metric: metric), unitFailure.code == .badUnit {
                return .failure(unitFailure)
            }
            return .failure(f)
        case .success(let n): number = n
        }
        let value: FixedDecimal
        switch FieldRules.converted(number, unitText: raw.unit, metric: metric) {
        case .failure(let f): return .failure(f)
        case .success(let v): value = v
        }
        let entity = TextNormalization.clean(raw.entity)
        if entity.count > Self.maxEntityLength {
            return .failure(.init(code: .badValue, message: "entity '\(TextNormalization.excerpt(entity))' is longer than \(Self.maxEntityLength) characters; expected an identifier such as a unified social credit code (18 characters)"))
        }
        let key = ObservationKey(month: period, district: district, metric: metricIndex, entity: entity)
        return .success((key, value))
    }
}
