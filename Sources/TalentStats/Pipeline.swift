import Foundation
import Logging

/// The version written into manifests.
public let talentstatsVersion = "0.1.0"

/// Where a run reads and writes, and what it reports.
public struct RunOptions: Sendable {
    /// Holds `raw/` and `reference/`.
    public var input: URL
    /// Reports go to `output/YYYY-MM/`.
    public var output: URL
    public var period: YearMonth
    public var limits: IngestLimits = .default
    public var organization: String?
    public var contact: String = ""
    public var outlierThreshold: FixedDecimal = FixedDecimal(units: FixedDecimal.unit / 2)
    /// Overrides the generation date (default: `SOURCE_DATE_EPOCH`, else the month after the period).
    public var generated: Date?
    /// The office's time zone (`time_zone`): decides the calendar day of the generation date.
    public var timeZone: TimeZone = TimeZone(identifier: Schedule.defaultTimeZone)!
    /// Returns for a month are due by this day of the following month (`deadline_day`); later is late.
    public var deadlineDay = 5
    /// How many of the latest months (the report month and those before it) are provisional,
    /// marked [p] until a later release (`provisional_months`, 0–12).
    public var provisionalMonths = 1
    /// Disclosure control of district figures computed from enterprise rows; nil: off.
    public var disclosure: DisclosurePolicy?

    public init(input: URL, output: URL, period: YearMonth) {
        self.input = input
        self.output = output
        self.period = period
    }
}

/// How a run ended; the executable maps it to an exit status.
public enum RunOutcome: Sendable, Equatable {
    /// Published, no findings (exit 0).
    case clean(folder: URL)
    /// Published with data-quality findings (exit 2).
    case findings(folder: URL)

    public var folder: URL {
        switch self {
        case .clean(let f), .findings(let f): f
        }
    }
}

/// A run that stopped before publishing anything (exit 1), with the one line the operator reads.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The result of ingest + validation + aggregation, before anything is written.
public struct Computed: Sendable {
    public let validated: ValidatedData
    public let aggregates: Aggregates
    public let quality: QualityFindings
    /// What disclosure control withholds, and the figures one enterprise dominates.
    public let disclosure: Disclosure
    /// 报送情况 of the report month.
    public let collection: CollectionStatus
    public let referenceFiles: [(path: String, sha256: String)]
    /// Files under `raw/` left out in silence by the ignore list (README*, *.md, …).
    public let ignoredFiles: [String]
}

/// Bytes read so far out of the total, for a progress display.
public struct IngestProgress: Sendable {
    public let bytesRead: Int
    public let totalBytes: Int
    public let filesDone: Int
    public let totalFiles: Int
}

/// Ingest → Validate → Aggregate → Report → Publish.
public struct Pipeline {
    public let options: RunOptions
    public let logger: Logger
    /// Called as input is read (about every 4 MiB and after each file).
    public var progress: ((IngestProgress) -> Void)?

    public init(options: RunOptions, logger: Logger, progress: ((IngestProgress) -> Void)? = nil) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    /// Reads, validates and aggregates; writes nothing.
    /// - Parameter requireReportPeriod: whether a report period without any accepted observation
    ///   fails the run (a report does; `status` early in the month does not).
    public func compute(requireReportPeriod: Bool = true) throws -> Computed {
        let referenceFolder = options.input.appendingPathComponent("reference")
        var clock = ContinuousClock.now
        func lap() -> String {
            let elapsed = ContinuousClock.now - clock
            clock = .now
            return String(
                format: "%.3fs", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        let reference: ReferenceData
        do {
            reference = try ReferenceData.load(from: referenceFolder)
        } catch let error as ReferenceError {
            throw RunFailure("reference data is invalid: \(error); fix the file and run again")
        }
        let referenceFiles = ["districts.csv", "metrics.csv"].map { name in
            (
                path: "reference/\(name)",
                sha256: (try? FileDigest.sha256(of: referenceFolder.appendingPathComponent(name).path)) ?? ""
            )
        }
        logger.info("reference: \(reference.districts.count) districts, \(reference.metrics.count) metrics (\(lap()))")

        let inventory: InputDiscovery.Inventory
        do {
            inventory = try InputDiscovery.inventory(under: options.input.appendingPathComponent("raw"))
        } catch let error as InputDiscovery.Failure {
            throw RunFailure(error.description)
        }
        let files = inventory.files
        let unread = files.filter { $0.notReadReason != nil }
        for file in unread { logger.warning("not read: \(file.relativePath): \(file.notReadReason!.message)") }
        guard files.count > unread.count else {
            let listed =
                unread.isEmpty
                ? ""
                : " (\(unread.count) other files are not read: \(unread.prefix(3).map(\.relativePath).joined(separator: ", "))\(unread.count > 3 ? ", …" : ""))"
            throw RunFailure(
                "no *.csv or *.xlsx files under \(options.input.appendingPathComponent("raw").path)\(listed); put the districts' CSV files or workbooks there or pass --input"
            )
        }

        var validator = Validator(reference: reference, reportPeriod: options.period, limits: options.limits)
        let sizes = files.map { file -> Int in
            var info = stat()
            guard file.notReadReason == nil, file.path.withCString({ stat($0, &info) }) == 0 else { return 0 }
            return Int(info.st_size)
        }
        let totalBytes = sizes.reduce(0, +)
        var doneBytes = 0
        for (n, file) in files.enumerated() {
            let outcome = Intake.read(
                file, into: &validator,
                progress: { bytes in
                    progress?(
                        IngestProgress(
                            bytesRead: doneBytes + bytes, totalBytes: totalBytes, filesDone: n, totalFiles: files.count)
                    )
                })
            if case .read(let facts) = outcome, facts.readOnTwoThreads {
                logger.debug(
                    "\(file.relativePath): read on one thread and key-checked on another; field rules of \(facts.checks.onReadingThread) batches on the reading thread, \(facts.checks.onKeyCheckThread) on the key check's"
                )
            }
            doneBytes += sizes[n]
            progress?(
                IngestProgress(bytesRead: doneBytes, totalBytes: totalBytes, filesDone: n + 1, totalFiles: files.count))
        }
        let validated = validator.finish()
        // The read buffers, batches and grown-out tables of ingest are free now; glibc keeps freed
        // memory of its arenas resident until told: give it back before the figures are computed.
        Self.returnFreedMemory()
        let t = validated.totals
        logger.info(
            "ingest+validate: \(files.count) files (\(validated.filesRejected) rejected, \(validated.filesNotRead) not read), \(t.read) observations: \(t.used) used, \(t.rejected) rejected, \(t.outOfScope) out of scope, \(t.superseded) superseded (\(validated.revisionCount) revisions), \(validated.distinctKeys) distinct keys in \(validated.accepted.bytes / 1_048_576) MiB (\(lap()))"
        )
        precondition(t.balances, "row accounting does not balance: \(t)")
        if let problem = validated.capacityProblem {
            throw RunFailure("\(problem); nothing was published")
        }

        let periodText = options.period.description
        guard validated.accepted.months.contains(options.period) || !requireReportPeriod else {
            throw RunFailure(
                "no usable data for the report period \(periodText) in \(files.count) files; check the period (--period) or the input files"
            )
        }
        // Disclosure control's enterprise values (a pass over the report month's keys, or every
        // month's with a policy) only read the accepted observations: built beside the aggregation.
        let policy = options.disclosure
        let disclosureCells = BackgroundTask { Disclosure.Cells(policy, data: validated) }
        let aggregates = Aggregator.aggregate(validated)
        if let key = aggregates.outOfRange.first {
            _ = disclosureCells.wait()
            throw RunFailure(
                "\(aggregates.outOfRange.count) ratio(s) exceed the largest figure talentstats holds exactly (about 1.7e29), first \(key.measure.rawValue) of \(key.metric) for district \(key.districtCode) in \(key.period); check the input values of that district and metric"
            )
        }
        let quality = QualityFindings.find(
            in: validated, aggregates: aggregates, outlierThreshold: options.outlierThreshold)
        logger.info(
            "aggregate: \(aggregates.rows.count) figures from \(aggregates.firstMonth?.description ?? "-") to \(periodText) (\(lap()))"
        )
        let collection = CollectionStatus(
            validated: validated, quality: quality, deadlineDay: options.deadlineDay, timeZone: options.timeZone)
        let disclosure = Disclosure.apply(
            policy, data: validated, aggregates: aggregates, cells: disclosureCells.wait())
        if let policy {
            logger.info(
                "disclosure: \(disclosure.suppressed.count) figures withheld (at least \(policy.minimumEnterprises) enterprises, the largest \(policy.dominanceN) at most \(policy.dominanceK)%)"
            )
        }
        return Computed(
            validated: validated, aggregates: aggregates, quality: quality,
            disclosure: disclosure, collection: collection,
            referenceFiles: referenceFiles, ignoredFiles: inventory.ignored)
    }

    /// Runs everything and publishes `output/YYYY-MM/` atomically, holding the output folder's lock.
    /// - Throws: ``RunLock/Held`` when another run holds the lock; ``RunFailure`` otherwise.
    public func run() throws -> RunOutcome {
        let lock: RunLock
        do {
            lock = try RunLock(folder: options.output)
        } catch let held as RunLock.Held {
            throw held
        } catch {
            throw RunFailure(
                "cannot use the output folder \(options.output.path): \(error); check that it exists and is writable, or pass --output"
            )
        }
        defer { lock.release() }
        // Before anything else, and whatever this run then does: a report folder that a killed run
        // (without RENAME_EXCHANGE) left aside goes back in place.
        do {
            for name in try AtomicPublisher.recoverAll(in: options.output) {
                logger.warning(
                    "recovered: \(options.output.appendingPathComponent(name).path) was left aside by a run that was killed while publishing; put back"
                )
            }
        } catch let failure as AtomicPublisher.Failure {
            throw RunFailure(failure.description)
        }
        let store: ReleaseStore
        do {
            store = try ReleaseStore.open(output: options.output, forWriting: true)!
        } catch let failure as ReleaseStore.Failure {
            throw RunFailure(failure.description + "; nothing was published")
        }
        let computed = try compute()
        do { try computed.validated.rejectionLog.finishRecording() } catch {
            throw RunFailure("\(error); nothing was published, the previous report (if any) is unchanged")
        }
        let start = ContinuousClock.now
        // What earlier releases published: this release marks what moved since, and why.
        let release:
            (
                id: Int, marks: FigureMarks, sources: [AggregateKey: [String]],
                published: [FigureMarks.Published?]
            )
        do {
            // What aggregation freed goes back before the earlier figures are read beside the index.
            Self.returnFreedMemory()
            let readStart = ContinuousClock.now
            let published = try store.latestPublished(for: computed.aggregates, report: options.period)
            logger.debug("release store: earlier figures read in \(ContinuousClock.now - readStart)")
            let marks = FigureMarks.compute(
                computed.aggregates, published: published,
                provisionalMonths: options.provisionalMonths, suppressed: computed.disclosure.suppressed)
            var explainer = Explainer(validated: computed.validated)
            let sources = explainer.explain(
                marks.revisions.map { Comparison.Difference(key: $0.key, kind: .changed, old: $0.old, new: $0.new) },
                in: .chinese, values: options.disclosure == nil)
            release = (try store.nextID(), marks, sources, published)
            // Every figure, the collection status and the revisions' input rows are computed: the key
            // index (about 20 bytes a key) is not needed to publish them.
            computed.validated.accepted.discard()
        } catch {
            throw RunFailure("cannot read the release store \(store.path): \(error); nothing was published")
        }
        let folder = options.output.appendingPathComponent(options.period.description)
        let publisher = AtomicPublisher(target: folder)
        let staging: URL
        do { staging = try publisher.begin() } catch let error as AtomicPublisher.Failure {
            throw RunFailure(error.description)
        }
        var recorded = false
        do {
            let written = try writeOutputs(computed, release: release, into: staging)
            try TestHooks.reach("before-commit")
            let recordStart = ContinuousClock.now
            try store.recordPending(
                ReleaseStore.Record(
                    id: release.id, period: options.period, publishedAt: Date(), folder: folder.lastPathComponent,
                    manifestSHA256: written, provisionalMonths: options.provisionalMonths,
                    aggregates: computed.aggregates, published: release.published, marks: release.marks,
                    inputs: computed.validated.files.map {
                        ($0.facts.file.relativePath, $0.facts.sha256, $0.facts.bytes, $0.status)
                    }))
            recorded = true
            logger.debug("release store: release recorded in \(ContinuousClock.now - recordStart)")
            try TestHooks.reach("after-release-recorded")
            try publisher.commit()
        } catch {
            publisher.abandon()
            if recorded { store.discardPending(release.id) }
            let space = AtomicPublisher.freeSpaceHint(at: options.output)
            if let failure = error as? AtomicPublisher.Failure {
                throw RunFailure(
                    failure.mentionsFreeSpace ? failure.description : failure.description + space)
            }
            if let failure = error as? ReleaseStore.Failure {
                throw RunFailure(
                    failure.description + "; nothing was published, the previous report (if any) is unchanged"
                        + (failure.isFull ? "" : space))
            }
            throw RunFailure(
                "could not write the report: \(error); nothing was published, the previous report (if any) is unchanged\(space)"
            )
        }
        do {
            try TestHooks.reach("before-release-published")
            try store.markPublished(release.id)
        } catch {
            // The folder names its release: readers count it as published, and the next run settles it.
            logger.warning("\(error); the report folder is published and names release \(release.id)")
        }
        logger.info(
            "publish: \(folder.path), release \(release.id) (\(release.marks.revisedCount) revised figures) (\(String(format: "%.3fs", Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds))))"
        )
        return QualityFindings.needsAttention(computed.validated, computed.quality)
            ? .findings(folder: folder) : .clean(folder: folder)
    }

    /// The names of the files in a report folder.
    public static func workbookName(_ period: YearMonth) -> String { "talent-report-\(period).xlsx" }

    /// Writes every output of a release into `folder` (the staging folder) and returns the
    /// manifest's SHA-256.
    func writeOutputs(
        _ computed: Computed,
        release: (
            id: Int, marks: FigureMarks, sources: [AggregateKey: [String]],
            published: [FigureMarks.Published?]
        ),
        into folder: URL
    ) throws -> String {
        let v = computed.validated
        let reference = v.reference
        let settings = ReportSettings(
            organization: options.organization ?? "\(reference.city.name)人才工作统计",
            contact: options.contact,
            outlierThreshold: options.outlierThreshold,
            generated: options.generated
                ?? ReportSettings.defaultGenerationDate(for: options.period, timeZone: options.timeZone),
            timeZone: options.timeZone)
        var model = ReportModel(
            reference: reference, aggregates: computed.aggregates, validated: v, quality: computed.quality,
            settings: settings, collection: computed.collection)
        model.marks = release.marks
        model.dominated = computed.disclosure.dominated
        model.disclosure = options.disclosure
        model.releaseID = release.id
        model.revisionSources = release.sources

        // Each output is written (and flushed to disk) once by its writer, then listed with its size
        // and SHA-256 read from the file.
        var outputs: [Manifest.OutputEntry] = []
        func record(_ name: String) throws {
            let url = folder.appendingPathComponent(name)
            var info = stat()
            guard stat(url.path, &info) == 0 else { throw RunFailure("\(name) was not written to \(folder.path)") }
            outputs.append(
                Manifest.OutputEntry(path: name, sha256: try FileDigest.sha256(of: url.path), bytes: Int(info.st_size)))
        }
        let workbookName = Self.workbookName(options.period)
        let workbookURL = folder.appendingPathComponent(workbookName)
        try WorkbookReport.write(model, to: workbookURL.path)
        try AtomicPublisher.sync(workbookURL)
        try record(workbookName)
        try TestHooks.reach("before-publish")
        try AtomicPublisher.write(
            Data(MachineOutputs.aggregatesCSV(computed.aggregates).utf8),
            to: folder.appendingPathComponent("aggregates.csv"))
        try record("aggregates.csv")
        try v.rejectionLog.writeCSV(to: folder.appendingPathComponent("rejects.csv"))
        try record("rejects.csv")
        try AtomicPublisher.write(
            Data(MachineOutputs.flagsCSV(release.marks).utf8), to: folder.appendingPathComponent("flags.csv"))
        try record("flags.csv")
        // Which release the folder is: the release store counts a release as published by this file.
        let marker: [String: Any] = [
            "release": release.id, "period": options.period.description, "store": ReleaseStore.fileName,
        ]
        try AtomicPublisher.write(
            try JSONSerialization.data(withJSONObject: marker, options: [.sortedKeys]) + Data("\n".utf8),
            to: folder.appendingPathComponent(ReleaseStore.marker))
        try record(ReleaseStore.marker)

        var byCode: [String: Int] = [:]
        for (code, count) in v.rejectionLog.byCode { byCode[code.rawValue] = count }
        let manifest = Manifest(
            tool: .init(name: "talentstats", version: talentstatsVersion),
            reportPeriod: options.period.description,
            firstMonth: computed.aggregates.firstMonth?.description,
            reference: computed.referenceFiles.map { .init(path: $0.path, sha256: $0.sha256) },
            inputs: v.files.map { f in
                .init(
                    path: f.facts.file.relativePath,
                    nameEncoding: f.facts.file.nameEncoding == .utf8 ? nil : f.facts.file.nameEncoding.rawValue,
                    sha256: f.facts.sha256, bytes: f.facts.bytes,
                    encoding: f.facts.format?.sheet == nil ? f.facts.encoding?.rawValue : nil,
                    format: f.facts.layout?.rawValue, sheet: f.facts.format?.sheet,
                    headerRow: f.facts.format.flatMap { $0.sheet == nil ? nil : $0.headerLine },
                    form: f.facts.format?.form.map {
                        ["version": $0.version, "period": $0.period.description, "district": $0.district]
                    },
                    status: f.status, rejection: f.rejection, rows: f.accounting)
            },
            ignored: computed.ignoredFiles,
            totals: .init(
                files: .init(
                    listed: v.files.count, used: v.filesUsed, rejected: v.filesRejected, notRead: v.filesNotRead),
                observations: v.totals, balanced: v.totals.balances, rejectsByCode: byCode,
                revisions: v.revisionCount, cellReplacements: v.replacedCells.count,
                aggregateRows: computed.aggregates.rows.count),
            findings: .init(
                districtsMissing: computed.quality.missing.map { reference.districts[$0.district].code },
                outliers: computed.quality.outliers.count,
                needsAttention: QualityFindings.needsAttention(v, computed.quality)),
            collection: .init(computed.collection, reference: reference, timeZone: options.timeZone),
            outputs: outputs)
        let manifestData = try manifest.json()
        try AtomicPublisher.write(manifestData, to: folder.appendingPathComponent("manifest.json"))
        return FileDigest.sha256(of: manifestData)
    }

    /// Returns memory the process has freed to the system (glibc's `malloc_trim`; elsewhere nothing).
    static func returnFreedMemory() {
        #if os(Linux)
            _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
    /// glibc's `int malloc_trim(size_t pad)` (`<malloc.h>`, which the Glibc module does not export).
    @_silgen_name("malloc_trim")
    private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
