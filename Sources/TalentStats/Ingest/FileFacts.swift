import Foundation

/// How a file is laid out and encoded.
public struct FileFormat: Sendable {
    public let encoding: TextEncoding
    public let layout: FileLayout
    public let headerCount: Int
    /// The sheet the rows come from, when the file is a workbook (its rows are sheet rows and its
    /// columns sheet columns).
    public var sheet: String? = nil
    /// The row the header is on (rows above it, such as a title, are not observations).
    public var headerLine = 1
    /// Set when the workbook is a returned form (``FormTemplate``): its marker, checked against its cells.
    public var form: FormMarker? = nil
    /// A form's enterprise sheet (``FormLayout/detailSheetName``), read after the main sheet: its
    /// name and layout.
    public var detail: (sheet: String, layout: FileLayout)? = nil

    /// The format of the enterprise sheet's rows, when the file has one.
    var detailFormat: FileFormat? {
        guard let detail else { return nil }
        var f = FileFormat(encoding: .utf8, layout: detail.layout, headerCount: detail.layout.columns.count)
        f.sheet = detail.sheet
        f.headerLine = headerLine
        f.form = form
        return f
    }

    /// The formats of the file's parts, in the order they are read (the main table, then a form's
    /// enterprise sheet); ``RecordBatch/part`` indexes it.
    var parts: [FileFormat] { [self] + (detailFormat.map { [$0] } ?? []) }

    /// Where a file's rows are, in messages: the path, and for a workbook `path!sheet`.
    public func location(of path: String) -> String { sheet.map { "\(path)!\($0)" } ?? path }
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
    /// Whether the file was read on one thread and key-checked on another, its field rules on
    /// either (the results are the same either way; tests use this to prove the two-thread path ran).
    public internal(set) var readOnTwoThreads = false
    /// How many of its batches were put through the field rules on each thread (``Intake``).
    public internal(set) var checks = CheckCounts()
    /// The file's modification time when it was opened: when the district's return arrived, for
    /// the collection status (``CollectionStatus``).
    public internal(set) var modified: Date? = nil
    /// A returned form's marker, whether the form was used or refused (its district's 报送情况).
    public internal(set) var form: FormMarker? = nil
}

extension FileOutcome {
    /// The same outcome with the file's modification time recorded.
    func stamped(_ modified: Date?) -> FileOutcome {
        switch self {
        case .read(var f):
            f.modified = modified
            return .read(f)
        case .rejected(var f, let message):
            f.modified = modified
            return .rejected(f, message: message)
        case .notRead(var f, let reason):
            f.modified = modified
            return .notRead(f, reason: reason)
        }
    }
}

/// The end of reading one file.
public enum FileOutcome: Sendable {
    case read(FileFacts)
    /// The whole file is unusable; none of its rows was delivered.
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
    /// Files at least this large are read on one thread while their rows are key-checked on
    /// another, the field rules on whichever is free (when the machine has two cores).
    public var parallelMinBytes: Int
    /// The sheet of a workbook that holds the table, when it is not the first visible one
    /// (configuration `sheet`; a workbook without a sheet of that name is read from its first).
    public var workbookSheet: String? = nil

    public static let `default` = IngestLimits(maxRecordBytes: 1 << 20, maxFileBytes: 8 << 30)

    public init(maxRecordBytes: Int, maxFileBytes: Int, parallelMinBytes: Int = 4 << 20) {
        self.maxRecordBytes = maxRecordBytes
        self.maxFileBytes = maxFileBytes
        self.parallelMinBytes = parallelMinBytes
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

    /// The modification time, to the second.
    var modified: Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}

/// A file's SHA-256 computed on another thread (a ``BackgroundTask``), joined when the file's
/// facts are complete.
struct BackgroundHash: Sendable {
    private let task: BackgroundTask<String>

    init(path: SystemPath) {
        task = BackgroundTask(concurrently: true) { (try? FileDigest.sha256(of: path)) ?? "" }
    }

    /// Waits for the hash (empty if the file could not be read).
    func wait() -> String { task.wait() }
}
