import Foundation

/// One observation as written in a raw file: renamed to its role, decoded, not yet interpreted.
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

/// What ingest finds in a file, in order.
public enum IngestEvent: Sendable, Equatable {
    case observation(RawObservation)
    /// A record that cannot be used as it stands (unterminated quote, too long, too many fields,
    /// undecodable bytes). It counts as one observation, whatever its layout.
    case malformedRecord(line: Int, message: String)
}

/// Facts about a file that go into the manifest.
public struct FileFacts: Sendable {
    public let file: InputFile
    public let bytes: Int
    public let sha256: String
    public let encoding: TextEncoding?
    public let layout: LayoutKind?
}

/// The end of reading one file.
public enum FileOutcome: Sendable {
    case read(FileFacts)
    /// The whole file is unusable; nothing of it was emitted.
    case rejected(FileFacts, message: String)
}

/// Limits that keep a broken or hostile file from exhausting memory.
public struct IngestLimits: Sendable {
    /// The longest record kept (bytes); a longer one is rejected as `bad_row`.
    public var maxRecordBytes: Int
    /// The largest file read (bytes); a larger one is rejected as `bad_file`.
    public var maxFileBytes: Int

    public static let `default` = IngestLimits(maxRecordBytes: 1 << 20, maxFileBytes: 8 << 30)

    public init(maxRecordBytes: Int, maxFileBytes: Int) {
        self.maxRecordBytes = maxRecordBytes
        self.maxFileBytes = maxFileBytes
    }
}

/// Bytes → raw observations: encoding detection, CSV scanning, header mapping. Streaming: memory
/// does not grow with the file.
public enum Ingest {
    /// Reads `file`, passing each observation or malformed record to `emit` as it is found.
    /// - Throws: only what `emit` throws; problems with the file are a `.rejected` outcome.
    public static func read(
        _ file: InputFile, reference: ReferenceData, limits: IngestLimits = .default,
        progress: ((Int) -> Void)? = nil,
        emit: (IngestEvent) throws -> Void
    ) throws -> FileOutcome {
        let survey: FileSurvey
        do {
            var source = try FileByteSource(path: file.url.path)
            survey = try FileSurvey.survey(&source)
            source.close()
        } catch let failure as IOFailure {
            let facts = FileFacts(file: file, bytes: 0, sha256: "", encoding: nil, layout: nil)
            return .rejected(facts, message: "cannot read the file: \(String(cString: strerror(failure.errno)))")
        }
        var facts = FileFacts(file: file, bytes: survey.bytes, sha256: survey.sha256, encoding: survey.encoding, layout: nil)
        guard let encoding = survey.encoding else {
            return .rejected(facts, message: survey.problem ?? "unknown encoding")
        }
        guard survey.bytes <= limits.maxFileBytes else {
            return .rejected(facts, message: "the file has \(survey.bytes) bytes, over the limit of \(limits.maxFileBytes)")
        }

        let source: FileByteSource
        do { source = try FileByteSource(path: file.url.path) } catch {
            return .rejected(facts, message: "cannot read the file: \(error)")
        }
        defer { source.close() }
        var scanner = CSVScanner(source: source, maxRecordBytes: limits.maxRecordBytes)
        defer { scanner.deallocate() }

        // The header: the first record.
        let layout: FileLayout
        let headerCount: Int
        do {
            guard let first = try scanner.next() else {
                return .rejected(facts, message: "the file is empty; expected a header row (period, district, metric, value …)")
            }
            guard case .record(let line, let rawHeader) = first else {
                if case .malformed(let line, let message) = first { return .rejected(facts, message: "header on line \(line): \(message)") }
                return .rejected(facts, message: "no header row")
            }
            let header = rawHeader.map { encoding.decode($0) }
            guard header.allSatisfy({ $0 != nil }) else {
                return .rejected(facts, message: "header on line \(line) cannot be decoded as \(encoding.rawValue)")
            }
            switch FileLayout.detect(header: header.map { $0! }, reference: reference) {
            case .failure(let problem): return .rejected(facts, message: "header on line \(line): \(problem.message)")
            case .success(let detected): layout = detected
            }
            headerCount = rawHeader.count
        } catch let failure as IOFailure {
            return .rejected(facts, message: "cannot read the file: \(String(cString: strerror(failure.errno)))")
        }
        facts = FileFacts(file: file, bytes: facts.bytes, sha256: facts.sha256, encoding: encoding, layout: layout.kind)

        let period = layout.index(of: .period)!
        let district = layout.index(of: .district)!
        let entity = layout.index(of: .entity)
        let metricCells = layout.columns.enumerated().compactMap { offset, column -> (Int, Int, MeasureUnit?)? in
            if case .metricValues(let metric, let unit) = column { return (offset, metric, unit) }
            return nil
        }

        var nextProgress = 1 << 22
        do {
            while let event = try scanner.next() {
                if let progress, source.bytesRead >= nextProgress {
                    progress(source.bytesRead)
                    nextProgress = source.bytesRead + (1 << 22)
                }
                switch event {
                case .malformed(let line, let message):
                    try emit(.malformedRecord(line: line, message: message))
                case .record(let line, let raw):
                    let decoded = raw.map { encoding.decode($0) }
                    guard decoded.allSatisfy({ $0 != nil }) else {
                        try emit(.malformedRecord(line: line, message: "bytes that are not valid \(encoding.rawValue)"))
                        continue
                    }
                    let cells = decoded.map { $0! }
                    func cell(_ index: Int?) -> String {
                        guard let index, index < cells.count else { return "" }
                        return cells[index]
                    }
                    if cells.count > headerCount, cells[headerCount...].contains(where: { !TextNormalization.clean($0).isEmpty }) {
                        try emit(.malformedRecord(line: line, message: "\(cells.count) fields but the header has \(headerCount); a value containing a comma must be quoted"))
                        continue
                    }
                    switch layout.kind {
                    case .long:
                        try emit(.observation(RawObservation(
                            line: line, period: cell(period), district: cell(district),
                            metric: cell(layout.index(of: .metric)), value: cell(layout.index(of: .value)),
                            unit: cell(layout.index(of: .unit)), entity: cell(entity))))
                    case .wide:
                        for (column, metric, unit) in metricCells where !TextNormalization.clean(cell(column)).isEmpty {
                            try emit(.observation(RawObservation(
                                line: line, period: cell(period), district: cell(district),
                                metric: reference.metrics[metric].id, value: cell(column),
                                unit: unit?.symbol ?? "", entity: cell(entity))))
                        }
                    }
                }
            }
        } catch let failure as IOFailure {
            // Observations already emitted stay counted; the rest of the file is reported.
            try emit(.malformedRecord(line: scanner.currentLine, message: "reading stopped here: \(String(cString: strerror(failure.errno)))"))
        }
        return .read(facts)
    }
}
