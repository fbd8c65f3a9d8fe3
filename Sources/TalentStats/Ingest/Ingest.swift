import Foundation

/// One observation as written in a raw file, decoded into text: renamed to its role, not yet
/// interpreted. (The general path; the fast path works on ``RawFields``.)
public struct RawObservation: Sendable, Equatable {
    /// Physical line of the record (the header is line 1 when it is the first line).
    public let line: Int
    public let period: String
    public let district: String
    /// Long layout: the metric cell. Wide layout: the id of the column's metric.
    public let metric: String
    public let value: String
    /// Long layout: the unit cell (may be empty). Wide layout: the unit in the column header, or empty.
    public let unit: String
    /// Empty when the file has no entity column.
    public let entity: String
}

/// One observation as bytes of the reader's buffer, valid only during the call that receives it.
public struct RawFields {
    public let line: Int
    public let period: UnsafeBufferPointer<UInt8>
    public let district: UnsafeBufferPointer<UInt8>
    /// Long layout only (empty in the wide layout, where ``metricIndex`` is set).
    public let metric: UnsafeBufferPointer<UInt8>
    public let value: UnsafeBufferPointer<UInt8>
    /// Long layout only.
    public let unit: UnsafeBufferPointer<UInt8>
    public let entity: UnsafeBufferPointer<UInt8>
    /// Wide layout: the column's metric and the unit its header states.
    public let metricIndex: Int?
    public let columnUnit: MeasureUnit?
    public let encoding: TextEncoding

    /// The same observation decoded into text; `nil` if a field is not valid in the file's encoding.
    public func decoded(_ reference: ReferenceData) -> RawObservation? {
        func text(_ b: UnsafeBufferPointer<UInt8>) -> String? { encoding.decode(Array(b)) }
        guard let p = text(period), let d = text(district), let v = text(value), let e = text(entity) else { return nil }
        let m: String
        let u: String
        if let metricIndex {
            m = reference.metrics[metricIndex].id
            u = columnUnit?.symbol ?? ""
        } else {
            guard let mm = text(metric), let uu = text(unit) else { return nil }
            m = mm
            u = uu
        }
        return RawObservation(line: line, period: p, district: d, metric: m, value: v, unit: u, entity: e)
    }
}

/// What ingest finds in a file, in order (the general, text-based form).
public enum IngestEvent: Sendable, Equatable {
    case observation(RawObservation)
    /// A record that cannot be used as it stands (unterminated quote, too long, too many fields,
    /// undecodable bytes). It counts as one observation, whatever its layout.
    case malformedRecord(line: Int, message: String)
}

/// Receives what ingest reads, as it reads it.
public protocol ObservationSink {
    /// The file's format, known once its header is read (before any observation).
    mutating func format(_ format: FileFormat)
    mutating func observation(_ fields: RawFields)
    mutating func malformed(line: Int, message: String)
    /// Called before some records (every ``Ingest/checkpointInterval``th), so that a row can later be
    /// found again by reading from here.
    mutating func checkpoint(offset: Int, line: Int)
    /// A fresh sink for the second half of a large file, read on another core; `nil` to read the
    /// file in one piece.
    func makeChunkSink() -> Self?
    /// Takes in a chunk sink's results; false (changing nothing) to have the caller read the rest.
    mutating func absorb(_ chunk: Self) -> Bool
}

extension ObservationSink {
    public func makeChunkSink() -> Self? { nil }
    public mutating func absorb(_ chunk: Self) -> Bool { false }
}

/// How a file is laid out and encoded: enough to read any of its records again.
public struct FileFormat: Sendable {
    public let encoding: TextEncoding
    public let layout: FileLayout
    public let headerCount: Int
}

/// Facts about a file that go into the manifest.
public struct FileFacts: Sendable {
    public let file: InputFile
    public let bytes: Int
    public internal(set) var sha256: String
    public let encoding: TextEncoding?
    public let layout: LayoutKind?
    /// Set when the file was read (not rejected whole).
    public var format: FileFormat? = nil
    /// Inode, size and modification time when the file was read, to tell later whether it is still
    /// the file that was read.
    var stamp: FileStamp? = nil
    /// Whether the file was read in two halves on two cores (the results are the same either way;
    /// tests use this to prove the parallel path ran).
    public internal(set) var readInTwoHalves = false
}

/// The end of reading one file.
public enum FileOutcome: Sendable {
    case read(FileFacts)
    /// The whole file is unusable; nothing of it was emitted.
    case rejected(FileFacts, message: String)
    /// Not a file the pipeline reads (a workbook, an archive, a text file): listed, not parsed.
    case notRead(FileFacts, reason: UnreadReason)
}

/// Limits that keep a broken or hostile file from exhausting memory.
public struct IngestLimits: Sendable {
    /// The longest record kept (bytes); a longer one is rejected as `bad_row`.
    public var maxRecordBytes: Int
    /// The largest file read (bytes); a larger one is rejected as `bad_file`.
    public var maxFileBytes: Int
    /// Files at least this large are read in two halves on two cores (when there are two).
    public var parallelMinBytes: Int

    public static let `default` = IngestLimits(maxRecordBytes: 1 << 20, maxFileBytes: 8 << 30)

    public init(maxRecordBytes: Int, maxFileBytes: Int, parallelMinBytes: Int = 32 << 20) {
        self.maxRecordBytes = maxRecordBytes
        self.maxFileBytes = maxFileBytes
        self.parallelMinBytes = parallelMinBytes
    }
}

/// Bytes → raw observations: encoding detection, CSV reading, header mapping. Streaming: memory
/// does not grow with the file.
public enum Ingest {
    /// Records between checkpoints (a row is found again by reading at most this many records).
    public static let checkpointInterval = 64

    /// Reads `file`, passing each observation or malformed record to `sink` as it is found.
    public static func read<Sink: ObservationSink>(
        _ file: InputFile, reference: ReferenceData, limits: IngestLimits = .default,
        progress: ((Int) -> Void)? = nil, into sink: inout Sink
    ) -> FileOutcome {
        let stamp = FileStamp(path: file.path)
        if let reason = file.notReadReason {
            // Listed, never parsed; hashed (when it is a readable file) so the manifest still
            // identifies what was in raw/.
            let size = stamp.map { Int($0.size) } ?? 0
            let sha = size <= limits.maxFileBytes ? ((try? FileSurvey.sha256(of: file.path)) ?? "") : ""
            return .notRead(FileFacts(file: file, bytes: size, sha256: sha, encoding: nil, layout: nil), reason: reason)
        }
        // The limit is checked before a byte is read or hashed.
        if let stamp, stamp.size > Int64(limits.maxFileBytes), stamp.isRegular {
            return .rejected(FileFacts(file: file, bytes: Int(stamp.size), sha256: "", encoding: nil, layout: nil),
                             message: "the file has \(stamp.size) bytes, over the limit of \(limits.maxFileBytes) (max_file_bytes); it was not read or hashed")
        }
        // The SHA-256 goes to the manifest only: it is computed on the other core while this one
        // parses, and joined before returning.
        let hash = BackgroundHash(path: file.path)
        let survey: FileSurvey
        do {
            var source = try FileByteSource(path: file.path)
            survey = try FileSurvey.survey(&source, reopen: { try FileByteSource(path: file.path) })
            source.close()
        } catch let failure as IOFailure {
            let facts = FileFacts(file: file, bytes: 0, sha256: hash.wait(), encoding: nil, layout: nil)
            return .rejected(facts, message: "cannot read the file: \(failure.reason)")
        } catch {
            return .rejected(FileFacts(file: file, bytes: 0, sha256: hash.wait(), encoding: nil, layout: nil), message: "cannot read the file: \(error)")
        }
        let facts = FileFacts(file: file, bytes: survey.bytes, sha256: "", encoding: survey.encoding, layout: nil)
        func done(_ outcome: FileOutcome) -> FileOutcome {
            let sha = hash.wait()
            switch outcome {
            case .read(var f): f.sha256 = sha; f.stamp = stamp; return .read(f)
            case .rejected(var f, let message): f.sha256 = sha; return .rejected(f, message: message)
            case .notRead: return outcome
            }
        }
        guard let encoding = survey.encoding else {
            return done(.rejected(facts, message: survey.problem ?? "unknown encoding"))
        }
        guard survey.bytes <= limits.maxFileBytes else {
            // Grew past the limit after the first look.
            return done(.rejected(facts, message: "the file has \(survey.bytes) bytes, over the limit of \(limits.maxFileBytes) (max_file_bytes)"))
        }
        try? TestHooks.reach("after-survey")
        let changed = "the file changed while it was being read (a district may still be uploading it); run again once it is complete"
        let now = FileStamp(path: file.path)
        guard now == stamp else {
            return done(.rejected(facts, message: now == nil ? "the file was removed while it was being read; put it back, or run again without it" : changed))
        }
        let outcome = parse(file, facts: facts, encoding: encoding, reference: reference, limits: limits, progress: progress, into: &sink)
        if case .read = outcome, FileStamp(path: file.path) != stamp {
            // Changed during the parse: what was read stays counted; this pseudo-row says so.
            sink.malformed(line: 0, message: changed)
        }
        return done(outcome)
    }

    private static func parse<Sink: ObservationSink>(
        _ file: InputFile, facts: FileFacts, encoding: TextEncoding, reference: ReferenceData, limits: IngestLimits,
        progress: ((Int) -> Void)?, into sink: inout Sink
    ) -> FileOutcome {
        var facts = facts
        let source: FileByteSource
        do { source = try FileByteSource(path: file.path) } catch let failure as IOFailure {
            return .rejected(facts, message: "cannot read the file: \(failure.reason)")
        } catch {
            return .rejected(facts, message: "cannot read the file: \(error)")
        }
        defer { source.close() }
        let reader = RecordReader(source: source, maxRecordBytes: limits.maxRecordBytes)

        // The header: the first record.
        let format: FileFormat
        do {
            guard let first = try reader.next() else {
                return .rejected(facts, message: "the file is empty; expected a header row (period, district, metric, value …)")
            }
            guard case .record(let header) = first else {
                if case .malformed(let line, let message) = first { return .rejected(facts, message: "header on line \(line): \(message)") }
                return .rejected(facts, message: "no header row")
            }
            let names = header.fields.map { encoding.decode($0) }
            if names.allSatisfy({ $0.map { TextNormalization.clean($0).isEmpty } ?? false }) {
                return .rejected(facts, message: "the file is empty (line \(header.line) has no column names); expected a header row (period, district, metric, value …)")
            }
            guard names.allSatisfy({ $0 != nil }) else {
                return .rejected(facts, message: "header on line \(header.line) cannot be decoded as \(encoding.rawValue)")
            }
            switch FileLayout.detect(header: names.map { $0! }, reference: reference) {
            case .failure(let problem): return .rejected(facts, message: "header on line \(header.line): \(problem.message)")
            case .success(let layout): format = FileFormat(encoding: encoding, layout: layout, headerCount: header.count)
            }
        } catch let failure as IOFailure {
            return .rejected(facts, message: "cannot read the file: \(failure.reason)")
        } catch {
            return .rejected(facts, message: "cannot read the file: \(error)")
        }
        facts = FileFacts(file: file, bytes: facts.bytes, sha256: facts.sha256, encoding: encoding, layout: format.layout.kind, format: format)
        sink.format(format)

        let mapper = ObservationMapper(format: format, reference: reference)
        // A large file: the second half goes to another core from a line start after the middle.
        // It is merged only if the first half's reading reaches a record starting exactly there
        // (so a split inside a quoted field is never used); otherwise the rest is read here.
        var chunk: ChunkTask<Sink>?
        if facts.bytes >= limits.parallelMinBytes, ProcessInfo.processInfo.activeProcessorCount > 1,
           let split = ChunkSplit.find(path: file.path, size: facts.bytes), let chunkSink = sink.makeChunkSink() {
            chunk = ChunkTask(sink: chunkSink, split: split, file: file, mapper: mapper, limits: limits)
        }
        var records = 0
        var nextProgress = 1 << 22
        do {
            while let event = try reader.next() {
                if let task = chunk, reader.lastRecordOffset >= task.split.offset {
                    chunk = nil
                    task.wait()
                    if reader.lastRecordOffset == task.split.offset, reader.lastRecordLine == task.split.line,
                       task.failure == nil, sink.absorb(task.sink) {
                        progress?(facts.bytes)
                        facts.readInTwoHalves = true
                        return .read(facts)
                    }
                    // Not a record boundary after all, or the chunk could not be used: read on here.
                }
                switch event {
                case .malformed(let line, let message):
                    sink.malformed(line: line, message: message)
                case .record(let record):
                    if records % checkpointInterval == 0 { sink.checkpoint(offset: record.offset, line: record.line) }
                    records += 1
                    mapper.emit(record, into: &sink)
                    if let progress, source.bytesRead >= nextProgress {
                        progress(source.bytesRead)
                        nextProgress = source.bytesRead + (1 << 22)
                    }
                }
            }
        } catch let failure as IOFailure {
            // Observations already emitted stay counted; the rest of the file is reported.
            sink.malformed(line: reader.currentLine, message: "reading stopped here: \(String(cString: strerror(failure.errno)))")
        } catch {
            sink.malformed(line: reader.currentLine, message: "reading stopped here: \(error)")
        }
        chunk?.wait()  // never reached its start: discarded
        return .read(facts)
    }
}

/// Where a file is split for reading on two cores: a record start after the middle (not a line
/// end), and the physical line it is on.
struct ChunkSplit {
    let offset: Int
    let line: Int

    static func find(path: SystemPath, size: Int) -> ChunkSplit? {
        guard let source = try? OffsetByteSource(path: path, offset: size / 2) else { return nil }
        var window = [UInt8](repeating: 0, count: 1 << 16)
        let n = (try? window.withUnsafeMutableBytes { try source.read(into: $0) }) ?? 0
        guard let lf = window[0..<n].firstIndex(of: 0x0A) else { return nil }
        var start = lf + 1
        while start < n && (window[start] == 0x0A || window[start] == 0x0D) { start += 1 }
        guard start < n else { return nil }
        let offset = size / 2 + start
        guard let lines = countLineEnds(path: path, upTo: offset) else { return nil }
        return ChunkSplit(offset: offset, line: lines + 1)
    }

    /// Physical line ends (LF, CRLF, lone CR) in the first `limit` bytes, eight bytes at a time.
    static func countLineEnds(path: SystemPath, upTo limit: Int) -> Int? {
        guard var source = try? FileByteSource(path: path) else { return nil }
        var count = 0
        var read = 0
        var previousCR = false
        do {
            try FileSurvey.forEachChunk(&source, chunkSize: 1 << 20) { chunk in
                guard read < limit else { return }
                let n = min(chunk.count, limit - read)
                let raw = UnsafeRawPointer(chunk.baseAddress!)
                var i = 0
                while i < n {
                    if i + 8 <= n && !previousCR {
                        let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        let lf = w ^ 0x0A0A_0A0A_0A0A_0A0A, cr = w ^ 0x0D0D_0D0D_0D0D_0D0D
                        if !cr.hasZeroByte {
                            // Only LFs here (or none): count the zero bytes of lf.
                            let zeros = (lf &- 0x0101_0101_0101_0101) & ~lf & 0x8080_8080_8080_8080
                            if zeros == 0 { i += 8; continue }
                            var x = lf
                            for _ in 0..<8 {
                                if x & 0xFF == 0 { count += 1 }
                                x >>= 8
                            }
                            i += 8
                            continue
                        }
                    }
                    let b = chunk[i]
                    if b == 0x0A {
                        if !previousCR { count += 1 }
                        previousCR = false
                    } else if b == 0x0D {
                        count += 1
                        previousCR = true
                    } else {
                        previousCR = false
                    }
                    i += 1
                }
                read += n
            }
        } catch {
            return nil
        }
        return count
    }
}

/// The second half of a file, read into its own sink on another thread.
final class ChunkTask<Sink: ObservationSink>: @unchecked Sendable {
    var sink: Sink
    let split: ChunkSplit
    private(set) var failure: Error?
    private let done = DispatchSemaphore(value: 0)
    private var waited = false

    init(sink: Sink, split: ChunkSplit, file: InputFile, mapper: ObservationMapper, limits: IngestLimits) {
        self.sink = sink
        self.split = split
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            defer { done.signal() }
            do {
                let source = try OffsetByteSource(path: file.path, offset: split.offset)
                let reader = RecordReader(source: source, maxRecordBytes: limits.maxRecordBytes, startOffset: split.offset, startLine: split.line)
                var records = 0
                while let event = try reader.next() {
                    switch event {
                    case .malformed(let line, let message):
                        self.sink.malformed(line: line, message: message)
                    case .record(let record):
                        if records % Ingest.checkpointInterval == 0 { self.sink.checkpoint(offset: record.offset, line: record.line) }
                        records += 1
                        mapper.emit(record, into: &self.sink)
                    }
                }
            } catch {
                failure = error
            }
        }
    }

    func wait() {
        guard !waited else { return }
        done.wait()
        waited = true
    }
}

/// Turns a record into observations according to the file's layout.
struct ObservationMapper {
    let format: FileFormat
    let reference: ReferenceData
    private let period: Int, district: Int, metric: Int?, value: Int?, unit: Int?, entity: Int?
    private let metricCells: [(column: Int, metric: Int, unit: MeasureUnit?)]

    init(format: FileFormat, reference: ReferenceData) {
        self.format = format
        self.reference = reference
        let layout = format.layout
        period = layout.index(of: .period)!
        district = layout.index(of: .district)!
        metric = layout.index(of: .metric)
        value = layout.index(of: .value)
        unit = layout.index(of: .unit)
        entity = layout.index(of: .entity)
        metricCells = layout.columns.enumerated().compactMap { offset, column in
            if case .metricValues(let metric, let unit) = column { return (offset, metric, unit) }
            return nil
        }
    }

    @inline(__always)
    func emit<Sink: ObservationSink>(_ record: RecordView, into sink: inout Sink) {
        let encoding = format.encoding
        if record.count > format.headerCount {
            for i in format.headerCount..<record.count where !FastFields.isBlank(record[i], encoding) {
                sink.malformed(line: record.line, message: "\(record.count) fields but the header has \(format.headerCount); a value containing a comma must be quoted")
                return
            }
        }
        let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        func cell(_ index: Int?) -> UnsafeBufferPointer<UInt8> { index.map { record[$0] } ?? none }
        switch format.layout.kind {
        case .long:
            sink.observation(RawFields(line: record.line, period: record[period], district: record[district], metric: cell(metric),
                                       value: cell(value), unit: cell(unit), entity: cell(entity),
                                       metricIndex: nil, columnUnit: nil, encoding: encoding))
        case .wide:
            for (column, metric, unit) in metricCells where !FastFields.isBlank(record[column], encoding) {
                sink.observation(RawFields(line: record.line, period: record[period], district: record[district], metric: none,
                                           value: record[column], unit: none, entity: cell(entity),
                                           metricIndex: metric, columnUnit: unit, encoding: encoding))
            }
        }
    }
}

/// Reads one observation of a file again, by its number in the file, starting from a checkpoint.
/// Used for the rare cases that need an earlier row's exact key, value or line (a repeated key).
struct RowLocator {
    struct Checkpoint { let offset: Int; let line: Int; let ordinal: Int }

    enum Found {
        case observation(RawObservation)
        case malformed(line: Int)
    }

    /// The observation numbered `ordinal` in `file` (read in `format`), reading from `checkpoint`.
    static func find(ordinal: Int, in file: InputFile, format: FileFormat, from checkpoint: Checkpoint,
                     reference: ReferenceData, limits: IngestLimits) -> Found? {
        guard let source = try? OffsetByteSource(path: file.path, offset: checkpoint.offset) else { return nil }
        let reader = RecordReader(source: source, maxRecordBytes: limits.maxRecordBytes, chunkSize: 1 << 16,
                                  startOffset: checkpoint.offset, startLine: checkpoint.line)
        struct Collector: ObservationSink {
            var next: Int
            let target: Int
            let reference: ReferenceData
            var found: Found?
            mutating func observation(_ fields: RawFields) {
                if next == target, found == nil {
                    found = fields.decoded(reference).map(Found.observation) ?? .malformed(line: fields.line)
                }
                next += 1
            }
            mutating func malformed(line: Int, message: String) {
                if next == target, found == nil { found = .malformed(line: line) }
                next += 1
            }
            mutating func checkpoint(offset: Int, line: Int) {}
            mutating func format(_ format: FileFormat) {}
        }
        var collector = Collector(next: checkpoint.ordinal, target: ordinal, reference: reference)
        let mapper = ObservationMapper(format: format, reference: reference)
        while collector.found == nil, collector.next <= ordinal, let event = try? reader.next() {
            switch event {
            case .malformed(let line, let message): collector.malformed(line: line, message: message)
            case .record(let record): mapper.emit(record, into: &collector)
            }
        }
        return collector.found
    }
}

/// A file read from a given offset.
final class OffsetByteSource: ByteSource {
    private let fd: Int32
    private var offset: Int

    private let path: String

    init(path: SystemPath, offset: Int) throws {
        self.path = path.description
        fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 { throw IOFailure(path: path.description, operation: "open", errno: errno) }
        self.offset = offset
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
        while n < 0 && errno == EINTR { n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
        if n < 0 { throw IOFailure(path: path, operation: "read", errno: errno) }
        offset += n
        return n
    }
}

/// A file's SHA-256 computed on another thread.
final class BackgroundHash: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result = ""

    init(path: SystemPath) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = (try? FileSurvey.sha256(of: path)) ?? ""
            done.signal()
        }
    }

    /// Waits for the hash (empty if the file could not be read).
    func wait() -> String {
        done.wait()
        done.signal()  // later calls return at once
        return result
    }
}

/// What identifies a file's contents cheaply: inode, size and modification time.
struct FileStamp: Equatable {
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int
    let isRegular: Bool

    init?(path: SystemPath) {
        var info = stat()
        guard path.withCString({ stat($0, &info) }) == 0 else { return nil }
        isRegular = info.st_mode & S_IFMT == S_IFREG
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
