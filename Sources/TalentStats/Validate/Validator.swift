import Foundation

/// The gate between ingest and aggregation: takes the field rules' results of each file in
/// processing order, detects duplicates within a file and resubmissions across files on keys held
/// exactly in memory (``KeyIndex``), and accounts for every row. It never reads a file: everything
/// it decides and every message it writes comes from what it holds.
///
/// Feed it files in processing order: ``begin(_:format:)``, then ``consume(_:)`` for each checked
/// batch (``Intake`` does this for a file, on two threads when the file is large; ``take(_:)`` takes
/// text events), then ``end(_:)``; ``finish()`` gives the ``ValidatedData``.
public struct Validator {
    public let reference: ReferenceData
    public let reportPeriod: YearMonth
    public let limits: IngestLimits

    /// The longest entity identifier accepted.
    public static var maxEntityLength: Int { RowRules.maxEntityLength }

    let rules: RowRules
    private let index: KeyIndex
    private var files: [FileRecord] = []
    private let rejections = RejectionLog()
    private var revisions: [Revision] = []
    private var revisionCount = 0
    private var unchangedResubmissions = 0
    private var replacedCells: [CellReplacement] = []
    private var capacityProblem: String?

    // The file being read.
    private var current: InputFile?
    private var currentRules: RowRules?
    /// The rules of each part of the current file (``FileFormat/parts``; the first is ``currentRules``).
    private var currentPartRules: [RowRules] = []
    /// Where the current file's rows are, in messages (``FileFormat/location(of:)``).
    private var location = ""
    /// Where the rows of each part of the current file are.
    private var partLocations: [String] = []
    private var inSheet = false
    private var accounting = RowAccounting()

    /// Input files the key index can tell apart (16-bit file numbers).
    static let maxFiles = Int(UInt16.max)

    public init(reference: ReferenceData, reportPeriod: YearMonth, limits: IngestLimits = .default) {
        self.reference = reference
        self.reportPeriod = reportPeriod
        self.limits = limits
        rules = RowRules(reference: reference, file: nil, format: nil)
        index = KeyIndex(
            districts: reference.districts.count, metrics: reference.metrics.count, lastKeptMonth: reportPeriod.ordinal)
    }

    // MARK: - Files

    /// Starts a file; `format` is its layout once its header is read (`nil` for text events).
    public mutating func begin(_ file: InputFile, format: FileFormat? = nil) {
        precondition(current == nil, "begin(_:) called twice without end(_:)")
        precondition(file.index == files.count, "files must be fed in processing order")
        current = file
        currentRules = rules.forFile(file, format: format)
        location = format?.location(of: file.relativePath) ?? file.relativePath
        let parts = format?.parts ?? []
        currentPartRules = [currentRules!] + parts.dropFirst().map { rules.forFile(file, format: $0) }
        partLocations = [location] + parts.dropFirst().map { $0.location(of: file.relativePath) }
        inSheet = format?.sheet != nil
        accounting = RowAccounting()
        if file.index >= Self.maxFiles, capacityProblem == nil {
            capacityProblem =
                "more than \(Self.maxFiles) input files in one run; report from fewer files (move older periods out of input/raw)"
        }
    }

    /// The rules for the file begun last (to check its batches, possibly on another thread).
    var fileRules: RowRules { currentRules! }
    /// The rules for each part of the file begun last (``RecordBatch/part`` indexes them).
    var partRules: [RowRules] { currentPartRules }

    public mutating func end(_ outcome: FileOutcome) {
        guard let file = current else { preconditionFailure("end(_:) outside a file") }
        current = nil
        currentRules = nil
        currentPartRules = []
        if case .read(let facts) = outcome, facts.format?.form != nil { replaceCells(reportedBy: file.index) }
        index.endFile()
        switch outcome {
        case .read(let facts):
            files.append(FileRecord(facts: facts, rejection: nil, accounting: accounting))
        case .rejected(let facts, let message):
            precondition(accounting.read == 0, "a rejected file delivered rows")
            rejections.append(Rejection(file: file.relativePath, line: 0, code: .badFile, message: message))
            files.append(FileRecord(facts: facts, rejection: message, accounting: RowAccounting()))
        case .notRead(let facts, let reason):
            precondition(accounting.read == 0, "a file that is not read delivered rows")
            rejections.append(
                Rejection(
                    file: file.relativePath, line: 0, code: .notRead, message: reason.message,
                    chineseDetail: reason.chinese))
            files.append(
                FileRecord(facts: facts, rejection: reason.message, accounting: RowAccounting(), unread: reason))
        }
    }

    public func finish() -> ValidatedData {
        precondition(current == nil, "finish() inside a file")
        // The pseudo-rows of a file (line 0: changed while read) go first, as on every other path;
        // a form's enterprise sheet follows its main sheet.
        var order: [String: Int] = [:]
        for f in files {
            order[f.facts.file.relativePath] = 2 * f.facts.file.index
            for (k, part) in (f.facts.format?.parts ?? []).enumerated() where part.sheet != nil {
                order[part.location(of: f.facts.file.relativePath)] = 2 * f.facts.file.index + k
            }
        }
        rejections.sortListed(fileOrder: order)
        return ValidatedData(
            reference: reference, reportPeriod: reportPeriod, accepted: AcceptedObservations(index: index),
            files: files,
            rejectionLog: rejections, revisions: revisions, revisionCount: revisionCount,
            unchangedResubmissions: unchangedResubmissions, replacedCells: replacedCells,
            capacityProblem: capacityProblem)
    }

    // MARK: - Rows

    /// A text event (the general path; tests and small callers).
    public mutating func take(_ event: IngestEvent) {
        var batch = CheckedBatch()
        switch event {
        case .malformedRecord(let line, let message):
            batch.rejections.append(Rejection(file: location, line: line, code: .badRow, message: message))
            batch.rejectionPositions.append(0)
        case .observation(let raw):
            fileRules.general(raw, into: &batch)
        }
        batch.computeProbes()
        consume(batch)
    }

    /// Takes a checked batch of the current file: its rejections, and each candidate's key.
    ///
    /// The tables in use are copied out as plain values for the batch (``EntityTable``,
    /// ``KeySlots``) and put back after it, so the per-row path pays no reference counting.
    mutating func consume(_ batch: CheckedBatch) {
        guard let file = current else { preconditionFailure("consume(_:) outside a file") }
        if batch.part < partLocations.count { location = partLocations[batch.part] }
        let fileNumber = UInt16(truncatingIfNeeded: file.index)
        accounting.read += batch.candidates.count + batch.rejections.count
        accounting.rejected += batch.rejections.count
        var entities = index.entities.table
        var month = Int.min
        var table: MonthKeys?
        var slots = KeySlots?.none
        var r = 0
        // Rows go in groups: first every row's entity slot is prefetched, then every entity interned
        // and its key's slot prefetched, then every key placed, so the cache misses of a group overlap
        // instead of following one another. The order of everything that is decided stays the
        // rows' order.
        let group = 16
        let ids = UnsafeMutablePointer<Int>.allocate(capacity: group)
        let keys = UnsafeMutablePointer<UInt32>.allocate(capacity: group)
        defer {
            ids.deallocate()
            keys.deallocate()
        }
        precondition(batch.probes.count == batch.candidates.count, "a checked batch without its entity probes")
        batch.entityBytes.withUnsafeBufferPointer { entityBytes in
            batch.candidates.withUnsafeBufferPointer { candidates in
                batch.probes.withUnsafeBufferPointer { probes in
                    func entity(_ c: Candidate) -> UnsafeBufferPointer<UInt8> {
                        UnsafeBufferPointer(
                            rebasing: entityBytes[Int(c.entity.start)..<Int(c.entity.start + c.entity.count)])
                    }
                    var start = 0
                    while start < candidates.count {
                        let n = min(group, candidates.count - start)
                        for j in 0..<n { entities.prefetch(probes[start + j]) }
                        for j in 0..<n {
                            let c = candidates[start + j]
                            ids[j] = entities.intern(entity(c), probes[start + j])
                            keys[j] = index.key(district: Int(c.district), metric: Int(c.metric), entity: ids[j])
                            if Int(c.month) == month { slots!.prefetch(keys[j]) }
                        }
                        for j in 0..<n {
                            let i = start + j
                            while r < batch.rejections.count, batch.rejectionPositions[r] <= i {
                                rejections.append(batch.rejections[r])
                                r += 1
                            }
                            let c = candidates[i]
                            guard ids[j] < index.entityCapacity, c.line <= Int(UInt32.max) else {
                                beyondCapacity(c, entityID: ids[j])
                                continue
                            }
                            if Int(c.month) != month {
                                table?.slots = slots!
                                month = Int(c.month)
                                table = index.table(for: month)
                                slots = table!.slots
                            }
                            place(
                                c, key: keys[j], entityID: ids[j], file: fileNumber, table: table!, slots: &slots!,
                                entities: entities)
                        }
                        start += n
                    }
                }
            }
        }
        table?.slots = slots!
        index.entities.table = entities
        while r < batch.rejections.count {
            rejections.append(batch.rejections[r])
            r += 1
        }
    }

    /// A candidate's key: new, a duplicate within the file, or a resubmission of an earlier file's.
    @inline(__always)
    private mutating func place(
        _ c: Candidate, key: UInt32, entityID: Int, file: UInt16, table: MonthKeys, slots: inout KeySlots,
        entities: EntityTable
    ) {
        let line = UInt32(truncatingIfNeeded: c.line)
        // How the cell is reported: a district total (no entity) or entity by entity. The two are
        // never summed: within a file the first kind counts, and a later file that reports the cell
        // the other way replaces it whole.
        let cell = Int(c.district) * index.metrics + Int(c.metric)
        let grain: UInt32 = c.entity.count == 0 ? 0 : 1
        let mine = (UInt32(file) + 1) << 1 | grain
        let state = table.cells[cell]
        if state != mine {
            if state != 0 && state & 1 != grain {
                if state >> 1 == UInt32(file) + 1 {
                    rejectMixedGrain(c)
                    return
                }
                supersedeCell(c, by: file, toEntities: grain == 1, table: table, slots: slots)
            }
            table.cells[cell] = mine
        }
        guard let slot = slots.find(key) else {
            slots.insert(
                key, stored: KeySlots.small(c.value) ?? table.wide(c.value, replacing: nil), file: file, line: line)
            if Int(c.month) <= reportPeriod.ordinal { accounting.used += 1 } else { accounting.outOfScope += 1 }
            return
        }
        if slots.file(at: slot) == KeySlots.droppedFile {
            // The key's cell was superseded by another kind of report, and now is reported this way again.
            slots.replace(
                at: slot, stored: KeySlots.small(c.value) ?? table.wide(c.value, replacing: nil), file: file,
                line: line)
            table.dropped -= 1
            if Int(c.month) <= reportPeriod.ordinal { accounting.used += 1 } else { accounting.outOfScope += 1 }
            return
        }
        if slots.file(at: slot) == Int(file) {
            // Repeated within the file: only the first counts.
            rejectDuplicate(
                line: c.line, month: Int(c.month), district: Int(c.district), metric: Int(c.metric),
                entity: entities.text(entityID), firstLine: slots.line(at: slot))
            return
        }
        // A later file resubmits the key: the earlier row no longer counts. It is a revision when
        // the value changes; the same value again is superseded too, but revises nothing.
        let earlier = slots.file(at: slot)
        files[earlier].accounting.used -= 1
        files[earlier].accounting.superseded += 1
        let stored = slots.storedValue(at: slot)
        let newSmall = KeySlots.small(c.value)
        let unchanged =
            if let newSmall { stored == Int32(bitPattern: newSmall) } else {
                stored < 0 && table.value(stored: stored) == c.value
            }
        if unchanged {
            unchangedResubmissions += 1
        } else {
            revisionCount += 1
            if revisions.count < RejectionLog.detailLimit {
                let k = ObservationKey(
                    month: YearMonth(ordinal: Int(c.month))!, district: Int(c.district), metric: Int(c.metric),
                    entity: entities.text(entityID))
                revisions.append(
                    Revision(
                        key: k,
                        old: SourcedValue(
                            value: table.value(stored: stored), file: earlier, line: slots.line(at: slot)),
                        new: SourcedValue(value: c.value, file: Int(file), line: c.line)))
            }
        }
        let old = UInt32(bitPattern: slots.storedValue(at: slot))
        slots.replace(
            at: slot, stored: KeySlots.small(c.value) ?? table.wide(c.value, replacing: old), file: file, line: line)
        accounting.used += 1
    }

    /// A later file reports a cell the other way (a total where there were entities, or the
    /// reverse): every observation of the cell from earlier files is superseded.
    private mutating func supersedeCell(
        _ c: Candidate, by file: UInt16, toEntities: Bool, table: MonthKeys, slots: KeySlots
    ) {
        var earlier: [Int: Int] = [:]
        for i in 0..<slots.capacity where slots.isOccupied(i) && slots.file(at: i) != KeySlots.droppedFile {
            let p = index.parts(of: slots.key(at: i))
            guard p.district == Int(c.district), p.metric == Int(c.metric) else { continue }
            earlier[supersede(slot: i, table: table, slots: slots), default: 0] += 1
        }
        guard !earlier.isEmpty else { return }
        replacedCells.append(
            CellReplacement(
                month: YearMonth(ordinal: Int(c.month))!, district: Int(c.district), metric: Int(c.metric),
                earlier: earlier.sorted { $0.key < $1.key }.map { (file: $0.key, rows: $0.value) },
                file: Int(file), line: c.line, why: .otherKind(toEntities: toEntities)))
    }

    /// At the end of a returned form: a form is its district's whole return for each cell it
    /// reports, so the observations earlier files gave of those cells and the form does not repeat
    /// (an enterprise it no longer lists) no longer count.
    private mutating func replaceCells(reportedBy file: Int) {
        let me = UInt32(file) + 1
        for month in index.kept.keys.sorted() {
            let table = index.kept[month]!
            guard table.cells.contains(where: { $0 >> 1 == me }) else { continue }
            let slots = table.slots
            var earlier: [Int: [Int: Int]] = [:]
            for i in 0..<slots.capacity where slots.isOccupied(i) {
                let f = slots.file(at: i)
                guard f != KeySlots.droppedFile, f != file else { continue }
                let p = index.parts(of: slots.key(at: i))
                let cell = p.district * index.metrics + p.metric
                guard table.cells[cell] >> 1 == me else { continue }
                earlier[cell, default: [:]][supersede(slot: i, table: table, slots: slots), default: 0] += 1
            }
            for cell in earlier.keys.sorted() {
                replacedCells.append(
                    CellReplacement(
                        month: YearMonth(ordinal: month)!, district: cell / index.metrics, metric: cell % index.metrics,
                        earlier: earlier[cell]!.sorted { $0.key < $1.key }.map { (file: $0.key, rows: $0.value) },
                        file: file, line: 0, why: .formReturn))
            }
        }
    }

    /// The observation at `slot` of an earlier file no longer counts; returns its file.
    private mutating func supersede(slot: Int, table: MonthKeys, slots: KeySlots) -> Int {
        let f = slots.file(at: slot)
        files[f].accounting.used -= 1
        files[f].accounting.superseded += 1
        slots.drop(at: slot)
        table.dropped += 1
        return f
    }

    /// A row of the current file reports a cell the other way than an earlier row of the file did.
    private mutating func rejectMixedGrain(_ c: Candidate) {
        let month = YearMonth(ordinal: Int(c.month))!
        let key =
            "\(month) \(reference.districts[Int(c.district)].name) \(reference.metrics[Int(c.metric)].id)"
        accounting.rejected += 1
        var rejection = Rejection(
            file: location, line: c.line, code: .duplicate,
            message: c.entity.count == 0
                ? "a district total of \(key), which earlier rows of this file give entity by entity; a total beside its entities would count them twice: only the entities count"
                : "an entity of \(key), which an earlier row of this file gives as the district total; entities beside their total would count twice: only the total counts"
        )
        rejection.inSheet = inSheet
        rejection.detail = .mixedGrain
        rejections.append(rejection)
    }

    /// A row beyond what the key index holds exactly: the run must not publish.
    private mutating func beyondCapacity(_ c: Candidate, entityID: Int) {
        if capacityProblem == nil {
            capacityProblem =
                entityID >= index.entityCapacity
                ? "more than \(index.entityCapacity) distinct entities in one run (the most \(reference.districts.count) districts × \(reference.metrics.count) metrics leave room for); report from fewer files"
                : "\(current!.relativePath) has more than \(UInt32.max) lines"
        }
        accounting.rejected += 1
        rejections.append(
            Rejection(
                file: location, line: c.line, code: .badValue,
                message: "beyond what one run can check exactly: \(capacityProblem!)"))
    }

    /// A row of the current file repeats a key seen earlier in the same file.
    private mutating func rejectDuplicate(
        line: Int, month: Int, district: Int, metric: Int, entity text: String, firstLine: Int
    ) {
        let key =
            "\(YearMonth(ordinal: month)!) \(reference.districts[district].name) \(reference.metrics[metric].id)"
            + (text.isEmpty ? "" : " entity \(TextNormalization.excerpt(text))")
        accounting.rejected += 1
        var rejection = Rejection(
            file: location, line: line, code: .duplicate,
            message: Rejection.duplicateMessage(key: key, line: firstLine))
        rejection.inSheet = inSheet
        rejection.repeats = Rejection.Repeat(key: key, line: firstLine)
        rejections.append(rejection)
    }

    /// Checks one raw observation's fields (for tests and the fuzz targets).
    func interpret(_ raw: RawObservation) -> Result<(ObservationKey, FixedDecimal), FieldRules.Failure> {
        rules.interpret(raw)
    }
}
