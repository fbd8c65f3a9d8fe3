import Foundation

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
    /// Set when the whole file was rejected or not read.
    public let rejection: String?
    public var accounting: RowAccounting
    /// Why the file is not read, when it is not one the pipeline reads (``rejection`` has the English).
    public var unread: UnreadReason? = nil
    public var notRead: Bool { unread != nil }

    /// How the manifest names the file's fate.
    public var status: String { notRead ? "not_read" : rejection == nil ? "used" : "rejected" }
}

/// The gate's result: exact sums of the accepted observations, and everything else with its reason.
public struct ValidatedData: Sendable {
    public let reference: ReferenceData
    public let reportPeriod: YearMonth
    /// Sums per month × district × metric of the accepted observations (over entities).
    public let sums: MonthlySums
    public let files: [FileRecord]
    /// Every rejection, counted; the first ``RejectionLog/detailLimit`` listed.
    public let rejectionLog: RejectionLog
    /// The first ``RejectionLog/detailLimit`` revisions (``revisionCount`` has them all).
    public let revisions: [Revision]
    public let revisionCount: Int

    /// The listed rejections (all of them unless there are more than ``RejectionLog/detailLimit``).
    public var rejections: [Rejection] { rejectionLog.listed }
    public var rejectionCount: Int { rejectionLog.total }
    /// Distinct keys remembered to detect duplicates and resubmissions.
    public let distinctKeys: Int
    /// Observations are numbered in 32 bits in the key tables; a run with more cannot be checked.
    public let tooManyObservations: Bool
    /// Files that were replaced or changed after they were read, while a later row's key had to be
    /// compared with one of theirs: what was decided for those keys cannot be trusted, and the run
    /// must not publish.
    public var changedWhileComparing: [String] = []

    public var totals: RowAccounting { files.reduce(RowAccounting()) { $0 + $1.accounting } }
    /// Files rejected whole (not counting those not read).
    public var filesRejected: Int { files.filter { $0.rejection != nil && !$0.notRead }.count }
    /// Files listed but not read.
    public var filesNotRead: Int { files.filter(\.notRead).count }
    /// Files whose rows were read (whether or not any was accepted).
    public var filesUsed: Int { files.count - filesRejected - filesNotRead }

    /// The accepted sum for a month, district and metric, if any observation holds it.
    public func value(_ month: YearMonth, district: Int, metric: Int) -> FixedDecimal? {
        sums.value(month: month, district: district, metric: metric)
    }
}

/// The gate between ingest and aggregation: interprets raw observations, rejects with a reason,
/// detects duplicates within a file and resubmissions across files, and accounts for every row.
///
/// Feed it files in processing order: ``begin(_:)``, then ``Ingest/read(_:reference:limits:progress:into:)``
/// with the validator as the sink (or ``take(_:)`` for text events), then ``end(_:)``.
///
/// Memory grows with the number of distinct keys (one 8-byte slot each, about 10 bytes with the
/// tables' free space, to detect repeats), not with file size. The common spellings take a byte-level fast path; anything else
/// is decoded and checked by the general rules, which give each rejection its reason.
public struct Validator: ObservationSink {
    public let reference: ReferenceData
    public let reportPeriod: YearMonth
    public let limits: IngestLimits

    /// The longest entity identifier accepted (a unified social credit code has 18 characters).
    public static let maxEntityLength = 64

    private let districtLookup: ByteLookup
    private let metricLookup: ByteLookup
    private let unitLookup: ByteLookup
    // Plain arrays of what the fast path needs, so it touches no reference-counted value.
    private let unitExponents: [Int]
    private let unitDimensions: [Dimension]
    private let metricExponents: [Int]
    private let metricDimensions: [Dimension]
    private let metricIsInteger: [Bool]

    private let sums: MonthlySums
    private var files: [FileRecord] = []
    private var fileStarts: [Int] = []
    private var checkpoints: [[RowLocator.Checkpoint]] = []
    private let rejections = RejectionLog()
    /// Earlier files found changed when a row of theirs was read again (by index).
    private let changed = ChangedFiles()
    private var currentStamp: FileStamp?
    private var revisions: [Revision] = []
    private var revisionCount = 0

    /// One fingerprint table per month. In-scope months are kept across files (resubmissions);
    /// months after the report period matter only for duplicates within a file, so they are
    /// dropped at the end of each file.
    private let tables = KeyTables()
    private var outOfScopeMonths: [Int] = []
    private var lastTableMonth = Int.min
    private var lastTable = 0
    private var nextOrdinal = 0
    /// Observations given as text (``take(_:)``), which cannot be read again from a file.
    private var memoryRows: [Int: RawObservation] = [:]

    // The file being read.
    private var current: InputFile?
    private var currentStart = 0
    private var currentFormat: FileFormat?
    private var currentCheckpoints: [RowLocator.Checkpoint] = []
    private var accounting = RowAccounting()

    public init(reference: ReferenceData, reportPeriod: YearMonth, limits: IngestLimits = .default) {
        self.reference = reference
        self.reportPeriod = reportPeriod
        self.limits = limits
        sums = MonthlySums(districts: reference.districts.count, metrics: reference.metrics.count)
        districtLookup = ByteLookup(reference.districts.enumerated().flatMap { i, d in [(d.code, i), (d.name, i), (d.shortName, i)] })
        metricLookup = ByteLookup(reference.metrics.enumerated().flatMap { i, m in [(m.id, i), (m.nameZh, i), (m.nameEn, i)] })
        let spellings = MeasureUnit.spellings.sorted { $0.key < $1.key }
        unitExponents = spellings.map(\.value.exponent)
        unitDimensions = spellings.map(\.value.dimension)
        unitLookup = ByteLookup(spellings.enumerated().map { ($1.key, $0) })
        metricExponents = reference.metrics.map(\.unit.exponent)
        metricDimensions = reference.metrics.map(\.unit.dimension)
        metricIsInteger = reference.metrics.map(\.integer)
    }

    // MARK: - Files

    public mutating func begin(_ file: InputFile) {
        precondition(current == nil, "begin(_:) called twice without end(_:)")
        precondition(file.index == files.count, "files must be fed in processing order")
        current = file
        currentStamp = FileStamp(path: file.path)
        currentStart = nextOrdinal
        currentFormat = nil
        currentCheckpoints = []
        accounting = RowAccounting()
    }

    public mutating func end(_ outcome: FileOutcome) {
        guard let file = current else { preconditionFailure("end(_:) outside a file") }
        current = nil
        tables.remove(months: outOfScopeMonths)
        outOfScopeMonths = []
        lastTableMonth = .min
        fileStarts.append(currentStart)
        checkpoints.append(currentCheckpoints)
        currentCheckpoints = []
        switch outcome {
        case .read(let facts):
            files.append(FileRecord(facts: facts, rejection: nil, accounting: accounting))
        case .rejected(let facts, let message):
            precondition(accounting.read == 0, "a rejected file emitted observations")
            rejections.append(Rejection(file: file.relativePath, line: 0, code: .badFile, message: message))
            files.append(FileRecord(facts: facts, rejection: message, accounting: RowAccounting()))
        case .notRead(let facts, let reason):
            precondition(accounting.read == 0, "a file that is not read emitted observations")
            rejections.append(Rejection(file: file.relativePath, line: 0, code: .notRead, message: reason.message,
                                        chineseDetail: reason.chinese))
            files.append(FileRecord(facts: facts, rejection: reason.message, accounting: RowAccounting(), unread: reason))
        }
    }

    public func finish() -> ValidatedData {
        precondition(current == nil, "finish() inside a file")
        // Chunks read in parallel are merged after the fact: restore file and line order.
        var order: [String: Int] = [:]
        for f in files { order[f.facts.file.relativePath] = f.facts.file.index }
        rejections.sortListed(fileOrder: order)
        let revisions = self.revisions.enumerated().sorted { a, b in
            (a.element.new.file, a.element.new.line, a.offset) < (b.element.new.file, b.element.new.line, b.offset)
        }.map(\.element)
        return ValidatedData(reference: reference, reportPeriod: reportPeriod, sums: sums, files: files,
                             rejectionLog: rejections, revisions: revisions, revisionCount: revisionCount,
                             distinctKeys: tables.count { $0 <= reportPeriod.ordinal },
                             tooManyObservations: nextOrdinal > Int(UInt32.max),
                             changedWhileComparing: changed.files.sorted().map { files[$0].facts.file.relativePath })
    }

    // MARK: - Sink

    public mutating func format(_ format: FileFormat) { currentFormat = format }

    public mutating func checkpoint(offset: Int, line: Int) {
        currentCheckpoints.append(RowLocator.Checkpoint(offset: offset, line: line, ordinal: nextOrdinal - currentStart))
    }

    public mutating func malformed(line: Int, message: String) {
        guard let file = current else { preconditionFailure("malformed(line:message:) outside a file") }
        nextOrdinal += 1
        accounting.read += 1
        reject(file, line, .badRow, message)
    }

    /// A text event (the general path; tests and small callers).
    public mutating func take(_ event: IngestEvent) {
        switch event {
        case .malformedRecord(let line, let message):
            malformed(line: line, message: message)
        case .observation(let raw):
            let ordinal = nextOrdinal
            nextOrdinal += 1
            accounting.read += 1
            memoryRows[ordinal] = raw
            takeText(raw, ordinal: ordinal)
        }
    }

    public mutating func observation(_ f: RawFields) {
        let ordinal = nextOrdinal
        nextOrdinal += 1
        accounting.read += 1
        // The fast path: canonical spellings in a UTF-8 file.
        if f.encoding != .gb18030,
           let month = FastFields.period(f.period),
           let district = districtLookup.lookup(f.district),
           let metricIndex = f.metricIndex ?? metricLookup.lookup(f.metric),
           let number = FastFields.number(f.value),
           FastFields.isCleanASCII(f.entity), f.entity.count <= Self.maxEntityLength {
            // The unit: the column's (wide), the cell's, or the metric's own when empty.
            var unitExponent = metricExponents[metricIndex]
            var unitDimension = metricDimensions[metricIndex]
            var unitKnown = true
            if f.metricIndex != nil {
                if let columnUnit = f.columnUnit { unitExponent = columnUnit.exponent; unitDimension = columnUnit.dimension }
            } else if !f.unit.isEmpty {
                if let u = unitLookup.lookup(f.unit) { unitExponent = unitExponents[u]; unitDimension = unitDimensions[u] } else { unitKnown = false }
            }
            if unitKnown, unitDimension == metricDimensions[metricIndex],
               let value = number.shifted(by: unitExponent - metricExponents[metricIndex]),
               value <= FixedDecimal.maxInputMagnitude, !metricIsInteger[metricIndex] || value.isWholeNumber {
                let fingerprint = KeyHash.fingerprint(district: district, metric: metricIndex, entity: f.entity)
                accept(month: month, district: district, metric: metricIndex, fingerprint: fingerprint,
                       entity: { String(decoding: f.entity, as: UTF8.self) }, value: value, line: f.line, ordinal: ordinal)
                return
            }
        }
        guard let raw = f.decoded(reference) else {
            reject(current!, f.line, .badRow, "bytes that are not valid \(f.encoding.rawValue)")
            return
        }
        let metricColumn = f.metricIndex.flatMap { m in
            currentFormat?.layout.columns.firstIndex { if case .metricValues(m, _) = $0 { true } else { false } }
        }
        takeText(raw, ordinal: ordinal, metricColumn: metricColumn)
    }

    // MARK: - Reading a large file in two halves

    /// A validator for the second half of the file being read, to run on another thread.
    public func makeChunkSink() -> Validator? {
        guard let current, let format = currentFormat else { return nil }
        var chunk = Validator(reference: reference, reportPeriod: reportPeriod, limits: limits)
        chunk.begin(InputFile(index: 0, relativePath: current.relativePath, path: current.path))
        chunk.format(format)
        return chunk
    }

    /// Takes in what a chunk validator found in the rest of the current file (its lines are already
    /// the file's). Keys it shares with this validator's tables are checked exactly, as if its rows
    /// had come here one by one: a key seen earlier in this file makes the chunk's row a duplicate,
    /// a key of an earlier file is superseded. Returns false, changing nothing, when the chunk
    /// cannot be merged (too many rejections to relabel); the caller then reads the rest itself.
    public mutating func absorb(_ chunk: Validator) -> Bool {
        guard current != nil, !chunk.rejections.isSpilled else { return false }
        let base = nextOrdinal
        let inFileBase = nextOrdinal - currentStart
        for cp in chunk.currentCheckpoints {
            currentCheckpoints.append(RowLocator.Checkpoint(offset: cp.offset, line: cp.line, ordinal: cp.ordinal + inFileBase))
        }
        nextOrdinal += chunk.nextOrdinal
        accounting.read += chunk.accounting.read
        accounting.used += chunk.accounting.used
        accounting.rejected += chunk.accounting.rejected
        accounting.outOfScope += chunk.accounting.outOfScope
        // The chunk's first occurrences that turn out to repeat a key of the first half: the chunk's
        // duplicates of them name the first half's line, as a read in one piece would.
        var firstLines: [Int: Int] = [:]
        defer {
            for var r in chunk.rejections.listed {
                if let repeats = r.repeats, let first = firstLines[repeats.line] {
                    r = Rejection(file: r.file, line: r.line, code: r.code, message: Rejection.duplicateMessage(key: repeats.key, line: first),
                                  column: r.column, found: r.found, chineseDetail: r.chineseDetail)
                    r.repeats = Rejection.Repeat(key: repeats.key, line: first)
                }
                rejections.append(r)
            }
        }
        if !chunk.changed.files.isEmpty, let current { changed.files.insert(current.index) }
        sums.add(chunk.sums)
        let fileIndex = files.count
        for month in chunk.tables.months {
            guard let theirs = chunk.tables.table(month: month) else { continue }
            if month > reportPeriod.ordinal && !outOfScopeMonths.contains(month) { outOfScopeMonths.append(month) }
            // A month only the chunk has: take its table whole (the usual case for month-ordered files).
            if tables.table(month: month).map({ idx in tables.withTable(idx) { $0.count == 0 } }) ?? true,
               var table = chunk.tables.take(month: month) {
                table.offsetPayloads(by: UInt32(truncatingIfNeeded: base))
                tables.adopt(table, month: month)
                continue
            }
            let mine = tables.index(for: month)
            let ym = YearMonth(ordinal: month)!
            var entries: [(UInt64, UInt32)] = []
            chunk.tables.withTable(theirs) { t in t.forEach { entries.append(($0, $1)) } }
            for (fingerprint, payload) in entries {
                let ordinal = base + Int(payload)
                guard tables.withTable(mine, { $0.contains(fingerprint) }), let row = resolve(ordinal) else {
                    tables.withTable(mine) { $0.insert(fingerprint, UInt32(truncatingIfNeeded: ordinal)) }
                    continue
                }
                var earlier: (key: ObservationKey, value: FixedDecimal, file: Int, line: Int)?
                let slot = tables.withTable(mine) { t in
                    t.find(fingerprint) { p in
                        guard let found = resolve(Int(p)), found.key == row.key else { return false }
                        earlier = found
                        return true
                    }
                }
                guard let slot, let earlier else {
                    tables.withTable(mine) { $0.insert(fingerprint, UInt32(truncatingIfNeeded: ordinal)) }
                    continue
                }
                let inScope = ym <= reportPeriod
                if earlier.file == fileIndex {
                    // The chunk's row repeats a key of the first half: a duplicate after all.
                    if inScope {
                        sums.subtract(row.value, month: month, district: row.key.district, metric: row.key.metric)
                        accounting.used -= 1
                    } else {
                        accounting.outOfScope -= 1
                    }
                    rejectDuplicate(line: row.line, of: earlier)
                    firstLines[row.line] = earlier.line
                } else {
                    supersede(earlier, by: row.value, line: row.line)
                    tables.withTable(mine) { $0.setPayload(UInt32(truncatingIfNeeded: ordinal), at: slot) }
                }
            }
        }
        lastTableMonth = .min
        return true
    }

    // MARK: - Rules

    private mutating func takeText(_ raw: RawObservation, ordinal: Int, metricColumn: Int? = nil) {
        guard let file = current else { preconditionFailure("take(_:) outside a file") }
        switch interpret(raw) {
        case .failure(let failure):
            let column = self.column(for: failure, raw: raw, metricColumn: metricColumn)
            let found: String? = switch failure.code {
            case .badPeriod: raw.period
            case .unknownDistrict: raw.district
            case .unknownMetric: raw.metric
            case .badUnit: raw.unit
            case .badValue: failure.message.hasPrefix("entity") ? raw.entity : raw.value
            default: nil
            }
            reject(file, raw.line, failure.code, column.map { "column \($0): \(failure.message)" } ?? failure.message,
                   column: column, found: found.map { TextNormalization.excerpt($0) })
        case .success(let (key, value)):
            let fingerprint = Array(key.entity.utf8).withUnsafeBufferPointer {
                KeyHash.fingerprint(district: key.district, metric: key.metric, entity: $0)
            }
            accept(month: key.month, district: key.district, metric: key.metric, fingerprint: fingerprint,
                   entity: { key.entity }, value: value, line: raw.line, ordinal: ordinal)
        }
    }

    /// The 1-based column of the field a rejection is about, when the file's layout is known.
    private func column(for failure: FieldRules.Failure, raw: RawObservation, metricColumn: Int?) -> Int? {
        guard let layout = currentFormat?.layout else { return nil }
        let role: FileLayout.Column
        switch failure.code {
        case .badPeriod: role = .period
        case .unknownDistrict: role = .district
        case .unknownMetric: role = .metric
        case .badUnit: if let metricColumn { return metricColumn + 1 }; role = .unit
        case .badValue:
            if let metricColumn { return metricColumn + 1 }
            if failure.message.hasPrefix("entity") { role = .entity } else { role = .value }
        case .missingField:
            let fields: [(FileLayout.Column, String)] = [(.period, raw.period), (.district, raw.district), (.metric, raw.metric), (.value, raw.value)]
            guard let empty = fields.first(where: { TextNormalization.clean($0.1).isEmpty }) else { return nil }
            if empty.0 == .value, let metricColumn { return metricColumn + 1 }
            role = empty.0
        default: return nil
        }
        return layout.index(of: role).map { $0 + 1 }
    }

    @inline(__always)
    private mutating func table(for month: YearMonth) -> Int {
        if month.ordinal == lastTableMonth { return lastTable }
        let index = tables.index(for: month.ordinal)
        if month > reportPeriod && !outOfScopeMonths.contains(month.ordinal) { outOfScopeMonths.append(month.ordinal) }
        lastTableMonth = month.ordinal
        lastTable = index
        return index
    }

    /// An accepted key: new, a duplicate within the file, or a resubmission of an earlier file's.
    @inline(__always)
    private mutating func accept(month: YearMonth, district: Int, metric: Int, fingerprint: UInt64,
                                 entity: () -> String, value: FixedDecimal, line: Int, ordinal: Int) {
        let fileIndex = files.count  // the file being read
        let table = table(for: month)
        if tables.withTable(table, { $0.contains(fingerprint) }) {
            // Same fingerprint: read the earlier row again and compare the actual keys.
            var earlier: (key: ObservationKey, value: FixedDecimal, file: Int, line: Int)?
            let entityText = entity()
            let key = ObservationKey(month: month, district: district, metric: metric, entity: entityText)
            let slot = tables.withTable(table) { t in
                t.find(fingerprint) { payload in
                    guard let found = resolve(Int(payload)), found.key == key else { return false }
                    earlier = found
                    return true
                }
            }
            if let slot, let earlier {
                if earlier.file == fileIndex {
                    rejectDuplicate(line: line, of: earlier)
                    return
                }
                supersede(earlier, by: value, line: line)
                tables.withTable(table) { $0.setPayload(UInt32(truncatingIfNeeded: ordinal), at: slot) }
                sums.add(value, month: month.ordinal, district: district, metric: metric)
                accounting.used += 1
                return
            }
        }
        tables.withTable(table) { $0.insert(fingerprint, UInt32(truncatingIfNeeded: ordinal)) }
        if month <= reportPeriod {
            sums.add(value, month: month.ordinal, district: district, metric: metric)
            accounting.used += 1
        } else {
            accounting.outOfScope += 1
        }
    }

    /// A row of the current file repeats a key seen earlier in the same file: only the first counts.
    private mutating func rejectDuplicate(line: Int, of earlier: (key: ObservationKey, value: FixedDecimal, file: Int, line: Int)) {
        let key = describe(earlier.key)
        accounting.rejected += 1
        var rejection = Rejection(file: current!.relativePath, line: line, code: .duplicate,
                                  message: Rejection.duplicateMessage(key: key, line: earlier.line))
        rejection.repeats = Rejection.Repeat(key: key, line: earlier.line)
        rejections.append(rejection)
    }

    /// A row of the current file resubmits a key of an earlier file: the earlier value leaves the
    /// sums and its file's used rows, and the change is recorded as a revision. (The new value's own
    /// accounting is the caller's.)
    private mutating func supersede(_ earlier: (key: ObservationKey, value: FixedDecimal, file: Int, line: Int), by value: FixedDecimal, line: Int) {
        files[earlier.file].accounting.used -= 1
        files[earlier.file].accounting.superseded += 1
        sums.subtract(earlier.value, month: earlier.key.month.ordinal, district: earlier.key.district, metric: earlier.key.metric)
        revisionCount += 1
        if revisions.count < RejectionLog.detailLimit {
            revisions.append(Revision(key: earlier.key, old: SourcedValue(value: earlier.value, file: earlier.file, line: earlier.line),
                                      new: SourcedValue(value: value, file: files.count, line: line)))
        }
    }

    /// The key, value, file and line of an earlier observation, read again.
    private func resolve(_ ordinal: Int) -> (key: ObservationKey, value: FixedDecimal, file: Int, line: Int)? {
        let fileIndex: Int
        let start: Int
        if ordinal >= currentStart, let current {
            fileIndex = current.index
            start = currentStart
        } else {
            var lo = 0, hi = fileStarts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if fileStarts[mid] <= ordinal { lo = mid } else { hi = mid - 1 }
            }
            fileIndex = lo
            start = fileStarts[lo]
        }
        let raw: RawObservation
        if let memory = memoryRows[ordinal] {
            raw = memory
        } else {
            let isCurrent = fileIndex == current?.index
            let format = isCurrent ? currentFormat : files[fileIndex].facts.format
            let points = isCurrent ? currentCheckpoints : checkpoints[fileIndex]
            let target = ordinal - start
            guard let file = isCurrent ? current : files[fileIndex].facts.file else { return nil }
            // The row is read again from the file by path: that must still be the file that was read.
            if FileStamp(path: file.path) != (isCurrent ? currentStamp : files[fileIndex].facts.stamp) {
                changed.files.insert(fileIndex)
                return nil
            }
            guard let format,
                  let checkpoint = points.last(where: { $0.ordinal <= target }),
                  case .observation(let found)? = RowLocator.find(ordinal: target, in: file, format: format, from: checkpoint,
                                                                  reference: reference, limits: limits)
            else { return nil }
            raw = found
        }
        guard case .success(let (key, value)) = interpret(raw) else { return nil }
        return (key, value, fileIndex, raw.line)
    }

    private mutating func reject(_ file: InputFile, _ line: Int, _ code: RejectCode, _ message: String, column: Int? = nil, found: String? = nil) {
        accounting.rejected += 1
        rejections.append(Rejection(file: file.relativePath, line: line, code: code, message: message, column: column, found: found))
    }

    private func describe(_ key: ObservationKey) -> String {
        let entity = key.entity.isEmpty ? "" : " entity \(TextNormalization.excerpt(key.entity))"
        return "\(key.month) \(reference.districts[key.district].name) \(reference.metrics[key.metric].id)\(entity)"
    }

    /// Checks one raw observation, field by field in a fixed order, so each rejection has one reason.
    func interpret(_ raw: RawObservation) -> Result<(ObservationKey, FixedDecimal), FieldRules.Failure> {
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
        return .success((ObservationKey(month: period, district: district, metric: metricIndex, entity: entity), value))
    }
}

/// The files a validator found changed since they were read. A class, so that the validator's
/// non-mutating lookups (called inside its key tables' closures) can record into it.
final class ChangedFiles {
    var files: Set<Int> = []
}
