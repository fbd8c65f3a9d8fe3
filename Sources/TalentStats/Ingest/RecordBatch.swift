import Foundation

/// A range of a batch's bytes.
public struct ByteSpan: Sendable {
    public var start: UInt32
    public var count: UInt32
    public static let empty = ByteSpan(start: 0, count: 0)
}

/// One observation as read: its fields as byte ranges of the batch's block, renamed to their role,
/// not yet interpreted. A malformed record is a row too (``problem`` set, fields empty): it counts
/// as one observation, whatever its layout.
public struct RawRow: Sendable {
    /// Physical line of the record (the header is line 1 when it is the first line).
    public var line: Int
    public var period: ByteSpan
    public var district: ByteSpan
    /// Long layout: the metric cell (empty in the wide layout, where ``valueColumn`` names the metric).
    public var metric: ByteSpan
    public var value: ByteSpan
    /// Long layout: the unit cell (may be empty).
    public var unit: ByteSpan
    /// Empty when the file has no entity column.
    public var entity: ByteSpan
    /// Wide layout: the 0-based column of the value (its header names the metric and unit); -1 otherwise.
    public var valueColumn: Int32
    /// Index in ``RecordBatch/problems`` when the record cannot be used as it stands; -1 otherwise.
    public var problem: Int32
}

/// The typed value that crosses from Ingest to Validate: consecutive observations of one file, in
/// file order, with the bytes they refer to. It owns what it refers to (a block of the file's bytes
/// shared with the reader, which never writes it again), so it can be checked on another thread.
public struct RecordBatch: Sendable {
    public let block: ByteBlock
    public internal(set) var rows: [RawRow] = []
    /// Why rows cannot be used as they stand (``RawRow/problem`` indexes it): malformed records
    /// (unterminated quote, too long, too many fields, a read error) and workbook cells that hold
    /// no usable value.
    public internal(set) var problems: [Problem] = []

    /// A row that cannot be used as it stands.
    public struct Problem: Sendable {
        /// In English, what is wrong and what to do.
        public var message: String
        /// The 1-based column of the cell it is about, or 0 for the whole record.
        public var column = 0
        /// What the cell holds, when it is about a cell.
        public var found: String? = nil
        public var kind: CellProblem = .record
        /// The Chinese text, when it says more than the kind's general one (a total's figures).
        public var chinese: String? = nil
    }

    /// What is wrong with a row or a workbook cell.
    public enum CellProblem: Sendable {
        /// Not a cell's problem: the whole record's.
        case record
        /// A formula saved without its result (`bad_value`).
        case uncalculatedFormula
        /// A period typed as a number with decimals, which Excel shows by its format (`bad_period`).
        case numericPeriod
        /// A form's total and its enterprise rows disagree, or cannot be compared (`bad_value`).
        case totalMismatch
        /// A value cell filled from a merged range, not typed (`bad_value`).
        case mergedValue
        /// A credit code stored as a number, its digits beyond Excel's 15 lost (`bad_value`).
        case numericCode
    }
    /// Which part of the file the rows are from (``FileFormat/parts``: 0 the main table, 1 a form's
    /// enterprise sheet).
    public internal(set) var part = 0
    /// Bytes of the file read when the batch was made (for progress).
    public internal(set) var bytesRead = 0

    init(block: ByteBlock) {
        self.block = block
    }

    /// Rows per batch: large enough to amortize handing batches over, small enough to stay in cache.
    static let targetRows = 4096

    @inline(__always)
    public func bytes(_ span: ByteSpan) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: block.base + Int(span.start), count: Int(span.count))
    }

    /// A row that is one problem: the whole record (`column` 0) or one cell of it.
    mutating func appendProblem(
        line: Int, message: String, column: Int = 0, found: String? = nil, kind: CellProblem = .record,
        chinese: String? = nil
    ) {
        rows.append(
            RawRow(
                line: line, period: .empty, district: .empty, metric: .empty, value: .empty, unit: .empty,
                entity: .empty, valueColumn: -1, problem: Int32(problems.count)))
        problems.append(Problem(message: message, column: column, found: found, kind: kind, chinese: chinese))
    }
}

/// One observation decoded into text (the general path, tests and small callers).
public struct RawObservation: Sendable, Equatable {
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

    public init(
        line: Int, period: String, district: String, metric: String, value: String, unit: String, entity: String
    ) {
        self.line = line
        self.period = period
        self.district = district
        self.metric = metric
        self.value = value
        self.unit = unit
        self.entity = entity
    }
}

/// What ingest finds in a file, as text (for tests and small callers; files arrive as ``RecordBatch``).
public enum IngestEvent: Sendable, Equatable {
    case observation(RawObservation)
    /// A record that cannot be used as it stands. It counts as one observation.
    case malformedRecord(line: Int, message: String)
}

/// Turns a record into rows of a batch according to the file's layout.
struct ObservationMapper {
    let format: FileFormat
    private let period: Int, district: Int, metric: Int?, value: Int?, unit: Int?, entity: Int?
    private let valueColumns: [Int]

    init(format: FileFormat) {
        self.format = format
        let layout = format.layout
        period = layout.index(of: .period)!
        district = layout.index(of: .district)!
        metric = layout.index(of: .metric)
        value = layout.index(of: .value)
        unit = layout.index(of: .unit)
        entity = layout.index(of: .entity)
        valueColumns = layout.columns.enumerated().compactMap { offset, column in
            if case .metricValues = column { return offset }
            return nil
        }
    }

    @inline(__always)
    func append(_ record: RecordView, to batch: inout RecordBatch) {
        let encoding = format.encoding
        if record.count > format.headerCount {
            for i in format.headerCount..<record.count where !FastFields.isBlank(record[i], encoding) {
                batch.appendProblem(
                    line: record.line,
                    message: format.sheet == nil
                        ? "\(record.count) fields but the header has \(format.headerCount); a value containing a comma must be quoted"
                        : "cell \(Rejection.columnLetters(i + 1))\(record.line) has a value beyond the header's \(format.headerCount) columns; give the column a header or clear it"
                )
                return
            }
        }
        let base = batch.block.base
        func span(_ index: Int?) -> ByteSpan {
            guard let index else { return .empty }
            let field = record[index]
            guard let start = field.baseAddress else { return .empty }
            return ByteSpan(
                start: UInt32(truncatingIfNeeded: start - UnsafePointer(base)),
                count: UInt32(truncatingIfNeeded: field.count))
        }
        switch format.layout.kind {
        case .long:
            batch.rows.append(
                RawRow(
                    line: record.line, period: span(period), district: span(district), metric: span(metric),
                    value: span(value), unit: span(unit), entity: span(entity), valueColumn: -1, problem: -1))
        case .wide:
            let p = span(period)
            let d = span(district)
            let e = span(entity)
            for column in valueColumns where !FastFields.isBlank(record[column], encoding) {
                batch.rows.append(
                    RawRow(
                        line: record.line, period: p, district: d, metric: .empty, value: span(column),
                        unit: .empty, entity: e, valueColumn: Int32(column), problem: -1))
            }
        }
    }
}
