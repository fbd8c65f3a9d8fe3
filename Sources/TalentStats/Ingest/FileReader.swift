import Foundation

/// Bytes → batches of raw observations: encoding detection, CSV reading, header mapping.
/// Streaming: memory does not grow with the file.
public enum Ingest {
    /// Opens `file` and reads its header: a reader for its rows, or the file's outcome when it is
    /// not read (listed only), rejected whole, or unreadable.
    public static func open(_ file: InputFile, reference: ReferenceData, limits: IngestLimits = .default) -> Result<
        FileReader, FileRefusal
    > {
        let stamp = FileStamp(path: file.path)
        return open(file, reference: reference, limits: limits, stamp: stamp).mapError {
            FileRefusal($0.outcome.stamped(stamp?.modified))
        }
    }

    private static func open(
        _ file: InputFile, reference: ReferenceData, limits: IngestLimits, stamp: FileStamp?
    ) -> Result<FileReader, FileRefusal> {
        if let reason = file.notReadReason {
            // Listed, never parsed; hashed (when it is a readable file) so the manifest still
            // identifies what was in raw/.
            let size = stamp.map { Int($0.size) } ?? 0
            let sha = size <= limits.maxFileBytes ? ((try? FileDigest.sha256(of: file.path)) ?? "") : ""
            return .failure(
                FileRefusal(
                    .notRead(
                        FileFacts(file: file, bytes: size, sha256: sha, encoding: nil, layout: nil), reason: reason)))
        }
        // The limit is checked before a byte is read or hashed.
        if let stamp, stamp.size > Int64(limits.maxFileBytes), stamp.isRegular {
            return .failure(
                FileRefusal(
                    .rejected(
                        FileFacts(file: file, bytes: Int(stamp.size), sha256: "", encoding: nil, layout: nil),
                        message:
                            "the file has \(stamp.size) bytes, over the limit of \(limits.maxFileBytes) (max_file_bytes); it was not read or hashed"
                    )))
        }
        // The SHA-256 goes to the manifest only: it is computed on another thread while this one
        // parses, and joined at the end.
        let hash = BackgroundHash(path: file.path)
        if WorkbookInput.isWorkbook(file.relativePath) {
            return WorkbookInput.open(file, reference: reference, limits: limits, stamp: stamp, hash: hash)
        }
        func refuse(_ facts: FileFacts, _ message: String) -> Result<FileReader, FileRefusal> {
            var facts = facts
            facts.sha256 = hash.wait()
            return .failure(FileRefusal(.rejected(facts, message: message)))
        }
        let empty = FileFacts(file: file, bytes: 0, sha256: "", encoding: nil, layout: nil)
        let survey: FileSurvey
        do {
            var source = try FileByteSource(path: file.path)
            survey = try FileSurvey.survey(&source, reopen: { try FileByteSource(path: file.path) })
            source.close()
        } catch let failure as IOFailure {
            return refuse(empty, "cannot read the file: \(failure.reason)")
        } catch {
            return refuse(empty, "cannot read the file: \(error)")
        }
        let facts = FileFacts(file: file, bytes: survey.bytes, sha256: "", encoding: survey.encoding, layout: nil)
        guard let encoding = survey.encoding else { return refuse(facts, survey.problem ?? "unknown encoding") }
        guard survey.bytes <= limits.maxFileBytes else {
            // Grew past the limit after the first look.
            return refuse(
                facts, "the file has \(survey.bytes) bytes, over the limit of \(limits.maxFileBytes) (max_file_bytes)")
        }
        try? TestHooks.reach("after-survey")
        let now = FileStamp(path: file.path)
        guard now == stamp else {
            return refuse(
                facts,
                now == nil
                    ? "the file was removed while it was being read; put it back, or run again without it"
                    : FileReader.changedMessage)
        }

        let source: FileByteSource
        do { source = try FileByteSource(path: file.path) } catch let failure as IOFailure {
            return refuse(facts, "cannot read the file: \(failure.reason)")
        } catch {
            return refuse(facts, "cannot read the file: \(error)")
        }
        let reader = RecordReader(source: source, maxRecordBytes: limits.maxRecordBytes)
        // The header: the first record.
        let format: FileFormat
        do {
            guard let first = try reader.next() else {
                source.close()
                return refuse(facts, "the file is empty; expected a header row (period, district, metric, value …)")
            }
            guard case .record(let header) = first else {
                source.close()
                if case .malformed(let line, let problem) = first {
                    return refuse(facts, "header on line \(line): \(problem.message(line: line))")
                }
                return refuse(facts, "no header row")
            }
            let names = header.fields.map { encoding.decode($0) }
            if names.allSatisfy({ $0.map { TextNormalization.clean($0).isEmpty } ?? false }) {
                source.close()
                return refuse(
                    facts,
                    "the file is empty (line \(header.line) has no column names); expected a header row (period, district, metric, value …)"
                )
            }
            guard names.allSatisfy({ $0 != nil }) else {
                source.close()
                return refuse(facts, "header on line \(header.line) cannot be decoded as \(encoding.rawValue)")
            }
            switch FileLayout.detect(header: names.map { $0! }, reference: reference) {
            case .failure(let problem):
                source.close()
                return refuse(facts, "header on line \(header.line): \(problem.message)")
            case .success(let layout):
                format = FileFormat(encoding: encoding, layout: layout, headerCount: header.count)
            }
        } catch let failure as IOFailure {
            source.close()
            return refuse(facts, "cannot read the file: \(failure.reason)")
        } catch {
            source.close()
            return refuse(facts, "cannot read the file: \(error)")
        }
        var read = FileFacts(file: file, bytes: facts.bytes, sha256: "", encoding: encoding, layout: format.layout.kind)
        read.format = format
        return .success(
            FileReader(facts: read, format: format, source: source, reader: reader, stamp: stamp, hash: hash))
    }
}

/// A file that is not read row by row, with its outcome.
public struct FileRefusal: Error, Sendable {
    public let outcome: FileOutcome
    init(_ outcome: FileOutcome) { self.outcome = outcome }
}

/// A file whose header has been read: its rows come in batches, in file order.
///
/// A class, as it owns an open file; used by one thread at a time (the thread that reads the file).
public final class FileReader: @unchecked Sendable {
    // Safe to send: it is handed to the reading thread once and used only there until `finish()`,
    // which the caller calls after that thread has delivered its last batch.
    public let format: FileFormat
    private var facts: FileFacts
    private let body: Body
    private let mapper: ObservationMapper
    private let stamp: FileStamp?
    private let hash: BackgroundHash
    private var done = false

    static let changedMessage =
        "the file changed while it was being read (a district may still be uploading it); run again once it is complete"

    /// Where the rows come from: a text file's records, or a workbook sheet's rows.
    private enum Body {
        case text(FileByteSource, RecordReader)
        /// The sheets' rows, part after part (``FileFormat/parts``), each with its mapper.
        case sheets([(SheetBatches, ObservationMapper)])
    }
    /// The sheet part being read.
    private var part = 0

    init(
        facts: FileFacts, format: FileFormat, source: FileByteSource, reader: RecordReader, stamp: FileStamp?,
        hash: BackgroundHash
    ) {
        self.facts = facts
        self.facts.modified = stamp?.modified
        self.format = format
        body = .text(source, reader)
        self.stamp = stamp
        self.hash = hash
        mapper = ObservationMapper(format: format)
    }

    /// A workbook whose sheets have been read whole (their rows after the header), one for each of
    /// `format`'s parts.
    init(facts: FileFacts, format: FileFormat, sheets: [SheetBatches], stamp: FileStamp?, hash: BackgroundHash) {
        precondition(sheets.count == format.parts.count, "one sheet a part")
        self.facts = facts
        self.facts.modified = stamp?.modified
        self.format = format
        body = .sheets(zip(sheets, format.parts).map { ($0, ObservationMapper(format: $1)) })
        self.stamp = stamp
        self.hash = hash
        mapper = ObservationMapper(format: format)
    }

    public var file: InputFile { facts.file }
    public var bytes: Int { facts.bytes }

    /// The next rows, or `nil` after the last batch. A read error ends the file with a row that
    /// says where reading stopped (the rows before it stay counted); a file that changed while it
    /// was read ends with a row that says so.
    public func nextBatch() -> RecordBatch? {
        guard case .text(let source, let reader) = body else {
            guard case .sheets(let sheets) = body else { return nil }
            while !done {
                if var batch = sheets[part].0.nextBatch(sheets[part].1) {
                    batch.part = part
                    return batch
                }
                part += 1
                done = part == sheets.count
            }
            return nil
        }
        if let next = pending {
            pending = nil
            if done { return next }
            return continueBatch(next, source, reader)
        }
        guard !done else { return nil }
        return continueBatch(RecordBatch(block: reader.block), source, reader)
    }

    private func continueBatch(_ start: RecordBatch, _ source: FileByteSource, _ reader: RecordReader) -> RecordBatch {
        var batch = start
        do {
            while batch.rows.count < RecordBatch.targetRows {
                guard let event = try reader.next() else {
                    done = true
                    break
                }
                if reader.block !== batch.block {
                    // The record is in a new block: this batch ends before it (empty batches just move on).
                    if !batch.rows.isEmpty {
                        var next = RecordBatch(block: reader.block)
                        add(event, to: &next)
                        batch.bytesRead = source.bytesRead
                        pending = next
                        return batch
                    }
                    batch = RecordBatch(block: reader.block)
                }
                add(event, to: &batch)
            }
        } catch let failure as IOFailure {
            // Observations already delivered stay counted; the rest of the file is reported.
            batch.appendProblem(
                line: reader.currentLine, message: "reading stopped here: \(String(cString: strerror(failure.errno)))")
            done = true
        } catch {
            batch.appendProblem(line: reader.currentLine, message: "reading stopped here: \(error)")
            done = true
        }
        if done, FileStamp(path: facts.file.path) != stamp {
            // Changed during the parse: what was read stays counted; this pseudo-row says so.
            batch.appendProblem(line: 0, message: Self.changedMessage)
        }
        batch.bytesRead = source.bytesRead
        return batch
    }

    /// A batch started with the first record of a new block, continued by the next call.
    private var pending: RecordBatch?

    @inline(__always)
    private func add(_ event: RecordEvent, to batch: inout RecordBatch) {
        switch event {
        case .malformed(let line, let problem): batch.appendProblem(line: line, message: problem.message(line: line))
        case .record(let record): mapper.append(record, to: &batch)
        }
    }

    /// Closes the file; its facts (with the SHA-256) for the outcome.
    public func finish(readOnTwoThreads: Bool, checks: CheckCounts = CheckCounts()) -> FileOutcome {
        if case .text(let source, _) = body { source.close() }
        facts.sha256 = hash.wait()
        facts.readOnTwoThreads = readOnTwoThreads
        facts.checks = checks
        return .read(facts)
    }
}
