import Foundation

/// A row that passed the field rules: its month, district and metric resolved, its value exact,
/// its entity normalized (bytes in the batch's ``CheckedBatch/entityBytes``).
struct Candidate {
    var value: FixedDecimal
    var line: Int
    var month: Int32
    var district: UInt16
    var metric: UInt16
    var entity: ByteSpan
}

/// A batch after the field rules: the candidates for the key check, in file order, and the rows
/// rejected on their own fields, each placed before the candidate that followed it in the file.
struct CheckedBatch: Sendable {
    var candidates: [Candidate] = []
    var entityBytes: [UInt8] = []
    var rejections: [Rejection] = []
    /// For each rejection, the number of candidates before it.
    var rejectionPositions: [Int] = []
    var bytesRead = 0
    /// The part of the file the rows are from (``RecordBatch/part``).
    var part = 0
    /// Each candidate's entity probe (hash and slot words, a pure function of its bytes): computed
    /// with the field rules, on whichever thread checks the batch, so that the key check (one
    /// thread, in file order) only looks it up. ``Validator/consume(_:)`` requires one a candidate.
    var probes: [EntityTable.Probe] = []

    /// Computes the probes of the candidates that have none yet (at the end of the field rules).
    mutating func computeProbes() {
        probes.reserveCapacity(candidates.count)
        entityBytes.withUnsafeBufferPointer { bytes in
            for c in candidates[probes.count...] {
                probes.append(
                    EntityTable.probe(
                        UnsafeBufferPointer(rebasing: bytes[Int(c.entity.start)..<Int(c.entity.start + c.entity.count)])
                    ))
            }
        }
    }
}

/// The field rules for one file: each row's period, district, metric, value, unit and entity, in a
/// fixed order, so each rejection has one reason. The common spellings take a byte-level fast
/// path; anything else is decoded and checked by the general rules (``FieldRules``), which give
/// the same result for everything the fast path accepts and the reason for everything else.
/// A value type of immutable tables: it can check batches on any thread.
struct RowRules: Sendable {
    let reference: ReferenceData
    let file: InputFile?
    let format: FileFormat?

    /// The longest entity identifier accepted (a unified social credit code has 18 characters).
    static let maxEntityLength = 64

    private let lookups: Lookups
    /// The file's entities are credit codes (``FileLayout/creditCodes``).
    private let creditCodes: Bool
    /// Every row must have one (``FileLayout/entityRequired``).
    private let entityRequired: Bool

    /// What the fast path needs as plain arrays (no reference-counted value per row).
    final class Lookups: Sendable {
        let district: ByteLookup
        let metric: ByteLookup
        let unit: ByteLookup
        let unitExponents: [Int]
        let unitDimensions: [Dimension]
        let metricExponents: [Int]
        let metricDimensions: [Dimension]
        let metricIsInteger: [Bool]

        init(_ reference: ReferenceData) {
            district = ByteLookup(
                reference.districts.enumerated().flatMap { i, d in [(d.code, i), (d.name, i), (d.shortName, i)] })
            metric = ByteLookup(
                reference.metrics.enumerated().flatMap { i, m in [(m.id, i), (m.nameZh, i), (m.nameEn, i)] })
            let spellings = MeasureUnit.spellings.sorted { $0.key < $1.key }
            unitExponents = spellings.map(\.value.exponent)
            unitDimensions = spellings.map(\.value.dimension)
            unit = ByteLookup(spellings.enumerated().map { ($1.key, $0) })
            metricExponents = reference.metrics.map(\.unit.exponent)
            metricDimensions = reference.metrics.map(\.unit.dimension)
            metricIsInteger = reference.metrics.map(\.integer)
        }
    }

    init(reference: ReferenceData, file: InputFile?, format: FileFormat?, lookups: Lookups? = nil) {
        self.reference = reference
        self.file = file
        self.format = format
        self.lookups = lookups ?? Lookups(reference)
        creditCodes = format?.layout.creditCodes ?? false
        entityRequired = format?.layout.entityRequired ?? false
    }

    func forFile(_ file: InputFile, format: FileFormat?) -> RowRules {
        RowRules(reference: reference, file: file, format: format, lookups: lookups)
    }

    // MARK: - Batches

    /// Applies the rules to every row of `batch`.
    func check(_ batch: RecordBatch) -> CheckedBatch {
        var out = CheckedBatch()
        out.candidates.reserveCapacity(batch.rows.count)
        out.entityBytes.reserveCapacity(batch.rows.count * 20)
        out.bytesRead = batch.bytesRead
        out.part = batch.part
        let encoding = format?.encoding ?? .utf8
        let columns = format?.layout.columns ?? []
        for row in batch.rows {
            if row.problem >= 0 {
                let problem = batch.problems[Int(row.problem)]
                let (code, detail): (RejectCode, RejectDetail) =
                    switch problem.kind {
                    case .record: (.badRow, .none)
                    case .uncalculatedFormula: (.badValue, .uncalculatedFormula)
                    case .numericPeriod: (.badPeriod, .none)
                    case .totalMismatch: (.badValue, .totalMismatch)
                    case .mergedValue: (.badValue, .mergedValue)
                    case .numericCode: (.badValue, .numericCreditCode)
                    }
                reject(
                    &out, row.line, code, problem.message, column: problem.column == 0 ? nil : problem.column,
                    found: problem.found, detail: detail, chinese: problem.chinese)
                continue
            }
            var metricIndex: Int?
            var columnUnit: MeasureUnit?
            if row.valueColumn >= 0, case .metricValues(let m, let u) = columns[Int(row.valueColumn)] {
                metricIndex = m
                columnUnit = u
            }
            if encoding != .gb18030, fast(row, batch, metricIndex: metricIndex, columnUnit: columnUnit, into: &out) {
                continue
            }
            func text(_ span: ByteSpan) -> String? { encoding.decode(Array(batch.bytes(span))) }
            guard let p = text(row.period), let d = text(row.district), let v = text(row.value),
                let e = text(row.entity),
                let m = metricIndex.map({ reference.metrics[$0].id }) ?? text(row.metric),
                let u = metricIndex != nil ? (columnUnit?.symbol ?? "") : text(row.unit)
            else {
                reject(&out, row.line, .badRow, "bytes that are not valid \(encoding.rawValue)")
                continue
            }
            let raw = RawObservation(line: row.line, period: p, district: d, metric: m, value: v, unit: u, entity: e)
            general(raw, metricColumn: row.valueColumn >= 0 ? Int(row.valueColumn) : nil, into: &out)
        }
        out.computeProbes()
        return out
    }

    /// The fast path: canonical spellings in a UTF-8 file. False when the row needs the general rules.
    @inline(__always)
    private func fast(
        _ row: RawRow, _ batch: RecordBatch, metricIndex: Int?, columnUnit: MeasureUnit?, into out: inout CheckedBatch
    ) -> Bool {
        let entity = batch.bytes(row.entity)
        guard let month = FastFields.period(batch.bytes(row.period)),
            let district = lookups.district.lookup(batch.bytes(row.district)),
            let metric = metricIndex ?? lookups.metric.lookup(batch.bytes(row.metric)),
            let number = FastFields.number(batch.bytes(row.value)),
            FastFields.isCleanASCII(entity), entity.count <= Self.maxEntityLength,
            !creditCodes || (entity.isEmpty ? !entityRequired : CreditCode.isValid(entity))
        else { return false }
        // The unit: the column's (wide), the cell's, or the metric's own when empty.
        var unitExponent = lookups.metricExponents[metric]
        var unitDimension = lookups.metricDimensions[metric]
        if metricIndex != nil {
            if let columnUnit {
                unitExponent = columnUnit.exponent
                unitDimension = columnUnit.dimension
            }
        } else if row.unit.count > 0 {
            guard let u = lookups.unit.lookup(batch.bytes(row.unit)) else { return false }
            unitExponent = lookups.unitExponents[u]
            unitDimension = lookups.unitDimensions[u]
        }
        guard unitDimension == lookups.metricDimensions[metric],
            let value = number.shifted(by: unitExponent - lookups.metricExponents[metric]),
            value <= FixedDecimal.maxInputMagnitude, !lookups.metricIsInteger[metric] || value.isWholeNumber
        else { return false }
        let start = out.entityBytes.count
        out.entityBytes.append(contentsOf: entity)
        out.candidates.append(
            Candidate(
                value: value, line: row.line, month: Int32(truncatingIfNeeded: month.ordinal),
                district: UInt16(truncatingIfNeeded: district), metric: UInt16(truncatingIfNeeded: metric),
                entity: ByteSpan(
                    start: UInt32(truncatingIfNeeded: start), count: UInt32(truncatingIfNeeded: entity.count))))
        return true
    }

    /// The general path: decoded text, every rule, a reason for each rejection.
    func general(_ raw: RawObservation, metricColumn: Int? = nil, into out: inout CheckedBatch) {
        switch interpret(raw) {
        case .failure(let failure):
            let column = self.column(for: failure, metricColumn: metricColumn)
            // An empty field has nothing to show.
            let found = failure.code == .missingField ? nil : raw.text(of: failure.field)
            let at = column.map {
                format?.sheet == nil ? "column \($0): " : "cell \(Rejection.columnLetters($0))\(raw.line): "
            }
            reject(
                &out, raw.line, failure.code, (at ?? "") + failure.message,
                column: column, found: found.map { TextNormalization.excerpt($0) }, detail: failure.detail,
                chinese: failure.chinese)
        case .success(let (key, value)):
            let start = out.entityBytes.count
            out.entityBytes.append(contentsOf: key.entity.utf8)
            out.candidates.append(
                Candidate(
                    value: value, line: raw.line, month: Int32(truncatingIfNeeded: key.month.ordinal),
                    district: UInt16(key.district), metric: UInt16(key.metric),
                    entity: ByteSpan(start: UInt32(start), count: UInt32(out.entityBytes.count - start))))
        }
    }

    private func reject(
        _ out: inout CheckedBatch, _ line: Int, _ code: RejectCode, _ message: String, column: Int? = nil,
        found: String? = nil, detail: RejectDetail = .none, chinese: String? = nil
    ) {
        var rejection = Rejection(
            file: format?.location(of: file?.relativePath ?? "") ?? file?.relativePath ?? "", line: line, code: code,
            message: message, column: column, found: found)
        rejection.detail = detail
        rejection.chineseDetail = chinese
        rejection.inSheet = format?.sheet != nil
        out.rejections.append(rejection)
        out.rejectionPositions.append(out.candidates.count)
    }

    /// The 1-based column of the field a rejection is about, when the file's layout is known.
    private func column(for failure: FieldRules.Failure, metricColumn: Int?) -> Int? {
        guard let layout = format?.layout else { return nil }
        // A credit code is reported at its own column.
        if failure.field == .entity, layout.creditCodes, let e = layout.index(of: .entity) { return e + 1 }
        let role: FileLayout.Column
        switch failure.field {
        case .period: role = .period
        case .district: role = .district
        case .metric: role = .metric
        case .value, .unit, .entity:
            // In the wide layout the metric's column holds the value and its header the unit. An
            // entity there is reported at the metric's column too, as it always has been (its own
            // column would say more).
            if let metricColumn { return metricColumn + 1 }
            role =
                switch failure.field {
                case .unit: .unit
                case .entity: .entity
                default: .value
                }
        }
        return layout.index(of: role).map { $0 + 1 }
    }

    /// Checks one raw observation, field by field in a fixed order, so each rejection has one reason.
    func interpret(_ raw: RawObservation) -> Result<(ObservationKey, FixedDecimal), FieldRules.Failure> {
        let required: [FieldRules.Field] = [.period, .district, .metric, .value] + (entityRequired ? [.entity] : [])
        let empty = required.filter { TextNormalization.clean(raw.text(of: $0)).isEmpty }
        if let first = empty.first {
            return .failure(
                .init(
                    code: .missingField, field: first,
                    message:
                        "empty \(empty.map(\.rawValue).joined(separator: ", ")); every observation needs period, district, metric and value"
                        + (entityRequired ? ", and each enterprise's unified social credit code (统一社会信用代码)" : ""),
                    detail: first == .entity ? .missingCreditCode : .none))
        }
        let period: YearMonth
        switch FieldRules.period(raw.period) {
        case .failure(let f): return .failure(f)
        case .success(let p): period = p
        }
        guard let district = reference.district(matching: raw.district) else {
            if reference.isCity(raw.district) {
                return .failure(
                    .init(
                        code: .unknownDistrict, field: .district,
                        message:
                            "'\(TextNormalization.excerpt(raw.district))' is the city itself; the city's figures are computed from its districts, so report each district instead",
                        detail: .cityItself))
            }
            return .failure(
                .init(
                    code: .unknownDistrict, field: .district,
                    message:
                        "district '\(TextNormalization.excerpt(raw.district))' is not in districts.csv; expected a code, full name or short name such as \(reference.districts[0].code), \(reference.districts[0].name) or \(reference.districts[0].shortName)"
                ))
        }
        guard let metricIndex = reference.metric(matching: raw.metric) else {
            return .failure(
                .init(
                    code: .unknownMetric, field: .metric,
                    message:
                        "metric '\(TextNormalization.excerpt(raw.metric))' is not in metrics.csv; expected an id or name such as \(reference.metrics.map { "\($0.id)/\($0.nameZh)" }.joined(separator: ", "))"
                ))
        }
        let metric = reference.metrics[metricIndex]
        let number: FixedDecimal
        switch FieldRules.number(raw.value) {
        case .failure(let f):
            // A bad unit is the more useful message when both are wrong.
            if case .failure(let unitFailure) = FieldRules.converted(.zero, unitText: raw.unit, metric: metric),
                unitFailure.code == .badUnit
            {
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
            return .failure(
                .init(
                    code: .badValue, field: .entity,
                    message:
                        "entity '\(TextNormalization.excerpt(entity))' is longer than \(Self.maxEntityLength) characters; expected an identifier such as a unified social credit code (18 characters)",
                    detail: .entityTooLong))
        }
        if creditCodes, !entity.isEmpty, let problem = CreditCode.problem(Array(entity.utf8)) {
            return .failure(
                .init(
                    code: .badValue, field: .entity,
                    message:
                        "unified social credit code '\(TextNormalization.excerpt(entity))' \(problem.english); expected 18 characters such as 91350100M000100Y43",
                    detail: .badCreditCode, chinese: problem.chinese))
        }
        return .success((ObservationKey(month: period, district: district, metric: metricIndex, entity: entity), value))
    }
}

extension RawObservation {
    /// The cell of `field` as written.
    fileprivate func text(of field: FieldRules.Field) -> String {
        switch field {
        case .period: period
        case .district: district
        case .metric: metric
        case .value: value
        case .unit: unit
        case .entity: entity
        }
    }
}
