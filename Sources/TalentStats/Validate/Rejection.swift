import Foundation

/// Why an observation or a file was rejected. The raw values are what `rejects.csv` shows.
public enum RejectCode: String, Sendable, CaseIterable, Codable, Comparable {
    /// The file cannot be used at all (encoding, header, unreadable); reported at line 0.
    case badFile = "bad_file"
    /// The record cannot be split into fields (unterminated quote, too long, too many fields), its
    /// bytes are not valid in the file's encoding, or reading stopped there; at line 0, the file
    /// changed while it was read.
    case badRow = "bad_row"
    case missingField = "missing_field"
    case badPeriod = "bad_period"
    case unknownDistrict = "unknown_district"
    case unknownMetric = "unknown_metric"
    case badUnit = "bad_unit"
    case badValue = "bad_value"
    /// The same period + district + metric (+ entity) again in the same file.
    case duplicate
    /// A file under `raw/` that is not read (a workbook, an archive, not `*.csv`); at line 0.
    case notRead = "not_read"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// What officials read in the workbook.
    public var chineseDescription: String {
        switch self {
        case .badFile: "文件无法使用"
        case .badRow: "行格式错误"
        case .missingField: "必填项为空"
        case .badPeriod: "统计期错误"
        case .unknownDistrict: "镇街不存在"
        case .unknownMetric: "指标不存在"
        case .badUnit: "计量单位错误"
        case .badValue: "数值错误"
        case .duplicate: "同一文件内重复"
        case .notRead: "文件未读取"
        }
    }
}

extension Rejection {
    /// The rejection in Chinese, for the officials who read the workbook (``message`` has the
    /// detail in English, and is what `rejects.csv` carries).
    public var chineseMessage: String {
        let at =
            inSheet
            ? column.map { "\(Rejection.columnLetters($0))\(line)单元格" } ?? "第\(line)行"
            : column.map { "第\($0)列" } ?? ""
        let what = found.map { "“\($0)”" } ?? ""
        switch code {
        case .badFile: return "整个文件未被采用：\(message)"
        case .badRow: return chineseDetail ?? "该行格式错误（如引号未闭合、字段数多于表头或行过长），未被采用"
        case .missingField:
            if detail == .missingCreditCode { return "\(at)统一社会信用代码为空：每一行企业数据都须填写企业的统一社会信用代码" }
            return "\(at)必填项为空：统计期、镇街、指标、数值均须填写"
        case .badPeriod: return "\(at)统计期\(what)不是有效月份，应为 2024-01、202401、2024/01 或 2024年1月 等形式"
        case .unknownDistrict:
            return detail == .cityItself
                ? "\(at)\(what)为全市本身：全市数据由各镇街汇总得出，请按镇街报送"
                : "\(at)镇街\(what)不在镇街名录中，应填写镇街代码、全称或简称"
        case .unknownMetric: return "\(at)指标\(what)不在指标目录中，应填写指标代码或名称"
        case .badUnit: return "\(at)计量单位\(what)不适用于该指标（如人数不能用万元）"
        case .badValue:
            if detail == .totalMismatch, let chineseDetail { return chineseDetail }
            if detail == .mergedValue {
                return "\(at)属于合并单元格，其中的数值只在合并区域的第一个单元格中填写了一次，不能作为本单元格的数值：请取消合并，逐个填写"
            }
            if detail == .numericCreditCode, let chineseDetail { return chineseDetail }
            if detail == .badCreditCode {
                return "\(at)统一社会信用代码\(what)\(chineseDetail ?? "不符合 GB 32100 规则")"
            }
            if detail == .entityTooLong { return "\(at)主体代码\(what)过长（超过 \(RowRules.maxEntityLength) 个字符）" }
            if detail == .notWholeNumber { return "\(at)数值\(what)应为整数（人数不能有小数）" }
            if detail == .uncalculatedFormula {
                return "\(at)是公式\(what)但没有计算结果：请在 Excel 或 WPS 中打开并保存后再报送，或直接填写数值"
            }
            return "\(at)数值\(what)不是非负数：不能带正负号、不能为科学计数法或文字，千分位须每三位一个逗号"
        case .duplicate:
            if detail == .mixedGrain {
                return "本文件对同一统计期、镇街、指标既报了镇街合计又报了分企业数据，二者相加会重复计算：只采用本文件先出现的一种"
            }
            return "与本文件前面的一行重复（统计期、镇街、指标、主体相同），只采用第一条"
        case .notRead: return chineseDetail ?? "该文件未读取"
        }
    }
}

extension Rejection {
    /// A spreadsheet column's letters: 1 → A, 27 → AA.
    public static func columnLetters(_ column: Int) -> String {
        var n = column
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }
}

/// Which case of a reject code a rejection is, where its Chinese text depends on it (so that nothing
/// is decided by reading the English message; the column follows from ``FieldRules/Failure/field``).
public enum RejectDetail: Sendable, Equatable {
    case none
    /// `unknown_district`: the city itself was given as a district.
    case cityItself
    /// `bad_value`: the entity is longer than the limit.
    case entityTooLong
    /// `bad_value`: a metric counted in whole units got a fraction.
    case notWholeNumber
    /// `bad_value`: a workbook cell holds a formula its writer saved without a result.
    case uncalculatedFormula
    /// `bad_value`: a form's total disagrees with its enterprise rows, or cannot be compared.
    case totalMismatch
    /// `bad_value`: not a valid unified social credit code (GB 32100), where the column holds them.
    case badCreditCode
    /// `missing_field`: a row of credit-coded enterprise data without its code.
    case missingCreditCode
    /// `duplicate`: a file gives a cell both as a district total and entity by entity.
    case mixedGrain
    /// `bad_value`: a workbook value cell filled from a merged range.
    case mergedValue
    /// `bad_value`: a credit code stored in a workbook as a number (digits lost).
    case numericCreditCode
}

/// One rejected observation (or a whole file, at line 0).
public struct Rejection: Sendable, Equatable {
    /// Which case of ``code`` this is (for the Chinese text).
    public var detail: RejectDetail = .none

    /// Path relative to the raw input folder.
    public let file: String
    public let line: Int
    public let code: RejectCode
    /// What was found and what was expected.
    public let message: String
    /// The 1-based column of the offending field, when known.
    public var column: Int? = nil
    /// The row is a workbook's sheet row: the Chinese text names the cell (`C12`), as Excel does.
    public var inSheet = false
    /// An excerpt of the offending field as written, when there is one.
    public var found: String? = nil
    /// The reason in Chinese, when the stage that found the problem gives one (a file not read:
    /// ``UnreadReason/chinese``).
    public var chineseDetail: String? = nil
    /// For a `duplicate`: the key, as described in the message, and the line of the first occurrence.
    public var repeats: Repeat? = nil

    public struct Repeat: Sendable, Equatable {
        public let key: String
        public let line: Int
    }

    /// The message of a duplicate of `key` first seen on `line`.
    static func duplicateMessage(key: String, line: Int) -> String {
        "repeats \(key) from line \(line) of this file; only the first is used"
    }

    public init(
        file: String, line: Int, code: RejectCode, message: String, column: Int? = nil, found: String? = nil,
        chineseDetail: String? = nil
    ) {
        self.chineseDetail = chineseDetail
        self.file = file
        self.line = line
        self.code = code
        self.message = message
        self.column = column
        self.found = found
    }
}

/// Every rejection of a run: the first ``detailLimit`` kept in memory for the workbook and the
/// console, all of them counted, and — once there are more than that — all of them written to a
/// temporary file as they come, so that a file of millions of bad rows cannot exhaust memory and
/// `rejects.csv` still lists every one.
///
/// The temporary file is created in `TMPDIR` and unlinked at once (it holds no name, so nothing is
/// left behind however the process ends). When a system call on it fails, the log keeps the first
/// failure (``failure``) and stops writing; ``finishRecording()`` and ``writeCSV(to:)`` then throw
/// it, so that a run never publishes a `rejects.csv` that lacks rows.
public final class RejectionLog: @unchecked Sendable {
    // @unchecked Sendable: a log is appended to by the one validator that owns it, and read only
    // after that validator has finished.

    /// Rejections listed in the workbook (the rest are counted, and all are in rejects.csv).
    public static let detailLimit = 100_000

    /// The first failed system call while keeping the rejections beyond ``detailLimit``.
    public struct RecordingFailure: Error, CustomStringConvertible, Sendable {
        /// What was being done: `create a temporary file in`, `remove the name of`, `write`, `flush`,
        /// `close`, `read back`.
        public let operation: String
        /// The temporary file, or the folder it was to be created in.
        public let path: String
        public let errno: Int32
        /// The folder that needs room or permissions.
        public let folder: String

        public var description: String {
            let full = errno == ENOSPC || errno == EDQUOT
            let advice =
                full
                ? "\(folder) is full: free space there or set TMPDIR to a folder with room, and run again"
                : "set TMPDIR to a writable folder with room, and run again"
            return "cannot record every rejection (those beyond the first \(RejectionLog.detailLimit) are kept in "
                + "a temporary file until rejects.csv is written): cannot \(operation) \(path): "
                + "\(String(cString: strerror(errno))); \(advice)"
        }
    }

    /// `rejects.csv` would not list every rejection: a bug, reported rather than published.
    public struct CountMismatch: Error, CustomStringConvertible, Sendable {
        public let written: Int
        public let total: Int
        public var description: String {
            "rejects.csv would list \(written) rows for \(total) rejections; "
                + "this is a bug in talentstats, please report it"
        }
    }

    public private(set) var listed: [Rejection] = []
    public private(set) var total = 0
    public private(set) var byCode: [RejectCode: Int] = [:]
    /// The first failure while spilling; once set, nothing more is written to the temporary file.
    public private(set) var failure: RecordingFailure?
    private let limit: Int
    private let spillFolder: String
    private var spillFD: Int32 = -1
    private var spillPath: String?
    private var buffer: [UInt8] = []
    /// Rows handed to the temporary file, and the bytes the kernel accepted for it.
    private var spilledRows = 0
    private var bufferedRows = 0
    private var spilledBytes = 0
    private var finished = false

    /// - Parameter spillFolder: where the temporary file goes; `TMPDIR` (or `/tmp`) by default.
    init(limit: Int = RejectionLog.detailLimit, spillFolder: String? = nil) {
        self.limit = limit
        self.spillFolder = spillFolder ?? FileManager.default.temporaryDirectory.path
    }

    deinit {
        if spillFD >= 0 { close(spillFD) }
    }

    /// Whether the full list lives in a temporary file rather than in ``listed``.
    public var isSpilled: Bool { spillPath != nil || total > limit }

    func append(_ rejection: Rejection) {
        total += 1
        byCode[rejection.code, default: 0] += 1
        if listed.count < limit {
            listed.append(rejection)
            return
        }
        if spillPath == nil && failure == nil { startSpilling() }
        appendLine(rejection)
    }

    // MARK: - The temporary file

    private func fail(_ operation: String, _ path: String, _ code: Int32, folder: String? = nil) {
        if failure == nil {
            failure = RecordingFailure(
                operation: operation, path: path, errno: code,
                folder: folder ?? (path as NSString).deletingLastPathComponent)
        }
        buffer.removeAll()
        if spillFD >= 0 {
            close(spillFD)
            spillFD = -1
        }
    }

    private func startSpilling() {
        var template = Array((spillFolder + "/talentstats-rejects-XXXXXX").utf8CString)
        spillFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard spillFD >= 0 else {
            return fail("create a temporary file in", spillFolder, errno, folder: spillFolder)
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        spillPath = path
        guard unlink(path) == 0 else { return fail("remove the name of", path, errno) }
        for r in listed { appendLine(r) }
    }

    private func appendLine(_ r: Rejection) {
        guard failure == nil else { return }
        precondition(!finished && spillFD >= 0, "a rejection appended after finishRecording()")
        buffer.append(contentsOf: Self.line(r).utf8)
        bufferedRows += 1
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes the buffer out in full (retrying interrupted and short writes), or records why not.
    private func flush() {
        guard failure == nil, spillFD >= 0, !buffer.isEmpty, let path = spillPath else { return }
        let error: Int32? = buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(spillFD, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return ENOSPC }  // a regular file that takes nothing is full
                offset += n
                spilledBytes += n
            }
            return nil
        }
        if let error { return fail("write", path, error) }
        spilledRows += bufferedRows
        bufferedRows = 0
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes out the temporary file and flushes it to disk (which reports errors a file system
    /// defers, NFS's among them); throws the first failure, if any. Idempotent. A run calls it
    /// before it writes anything.
    public func finishRecording() throws {
        if !finished {
            flush()
            if failure == nil, spillFD >= 0, let path = spillPath, fsync(spillFD) != 0 { fail("flush", path, errno) }
            finished = true
        }
        if let failure { throw failure }
    }

    /// Puts the listed rejections in order (files in processing order, then lines). A log that
    /// spilled to a file keeps the order rejections were found in.
    func sortListed(fileOrder: [String: Int]) {
        guard !isSpilled else { return }
        listed = listed.enumerated().sorted { a, b in
            let fa = fileOrder[a.element.file] ?? 0
            let fb = fileOrder[b.element.file] ?? 0
            if fa != fb { return fa < fb }
            if a.element.line != b.element.line { return a.element.line < b.element.line }
            return a.offset < b.offset
        }.map(\.element)
    }

    static let header = "file,line,code,message\n"

    static func line(_ r: Rejection) -> String {
        [r.file, String(r.line), r.code.rawValue, r.message].map(CSVText.escape).joined(separator: ",") + "\n"
    }

    // MARK: - rejects.csv

    /// Writes `rejects.csv` (every rejection) to `url`, flushed to disk; once (the temporary file
    /// is closed afterwards).
    /// - Throws: ``RecordingFailure`` when the temporary file lost rows; ``CountMismatch`` when the
    ///   rows would not number ``total``; `IOFailure` when `url` cannot be written.
    func writeCSV(to url: URL) throws {
        try finishRecording()
        let rows = isSpilled ? spilledRows : listed.count
        guard rows == total else { throw CountMismatch(written: rows, total: total) }
        let out = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw IOFailure(path: url.path, operation: "create", errno: errno) }
        var closed = false
        defer { if !closed { close(out) } }
        func put(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count {
                let n = write(out, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IOFailure(path: url.path, operation: "write", errno: errno)
                }
                if n == 0 { throw IOFailure(path: url.path, operation: "write", errno: ENOSPC) }
                offset += n
            }
        }
        if let spillPath {
            try Array(Self.header.utf8).withUnsafeBytes(put)
            try copySpill(from: spillPath, with: put)
        } else {
            var text = Self.header
            for r in listed { text += Self.line(r) }
            try Array(text.utf8).withUnsafeBytes(put)
        }
        guard fsync(out) == 0 else { throw IOFailure(path: url.path, operation: "flush", errno: errno) }
        closed = true
        guard close(out) == 0 else { throw IOFailure(path: url.path, operation: "close", errno: errno) }
    }

    /// Copies the temporary file's bytes, all of them, then closes it.
    private func copySpill(from path: String, with put: (UnsafeRawBufferPointer) throws -> Void) throws {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var copied = 0
        while copied < spilledBytes {
            let n = pread(spillFD, chunk.baseAddress, min(chunk.count, spilledBytes - copied), off_t(copied))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = n < 0 ? errno : EIO
                throw RecordingFailure(
                    operation: "read back (\(copied) of \(spilledBytes) bytes)", path: path,
                    errno: code, folder: spillFolder)
            }
            try put(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            copied += n
        }
        let fd = spillFD
        spillFD = -1
        guard close(fd) == 0 else {
            throw RecordingFailure(operation: "close", path: path, errno: errno, folder: spillFolder)
        }
    }
}
