import Foundation

/// Something that fills a buffer with bytes, like `read(2)`.
public protocol ByteSource {
    /// Reads up to `buffer.count` bytes into `buffer`, returning how many; 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Bytes already in memory (reference files, tests).
public struct MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// A file read with `read(2)` in chunks; the descriptor is closed by ``close()`` or on deinit.
public final class FileByteSource: ByteSource {
    private var fd: Int32
    public let path: String
    /// Bytes read so far.
    public private(set) var bytesRead = 0

    /// Opens a regular file; anything else (a folder, a pipe, a device) is refused without blocking.
    public convenience init(path: String) throws { try self.init(path: SystemPath(path)) }

    /// Opens a regular file named by its bytes; anything else is refused without blocking.
    public init(path systemPath: SystemPath) throws {
        let path = systemPath.description
        self.path = path
        fd = systemPath.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        if fd < 0 { throw IOFailure(path: path, operation: "open", errno: errno) }
        var info = stat()
        if fstat(fd, &info) != 0 || info.st_mode & S_IFMT != S_IFREG {
            let failure = IOFailure.notRegularFile(path)
            _ = Glibc.close(fd)
            fd = -1
            throw failure
        }
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 {
                bytesRead += n
                return n
            }
            if errno == EINTR { continue }
            throw IOFailure(path: path, operation: "read", errno: errno)
        }
    }
}

/// A failed system call on a file, with the OS's explanation, or a file refused before it is read.
public struct IOFailure: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as far as the explanation depends on it.
    public enum Kind: Sendable, Equatable {
        /// A system call failed; ``IOFailure/errno`` says why.
        case systemCall
        /// The path names something other than a regular file (a folder, a pipe, a device): never read.
        case notRegularFile
    }

    public let path: String
    /// What was being done: `open`, `read`, `create`, `write`, `flush`, `close`, `open the lock file` …
    public let operation: String
    public let errno: Int32
    public let kind: Kind

    init(path: String, operation: String, errno: Int32, kind: Kind = .systemCall) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.kind = kind
    }

    /// `path` is not a regular file, so it is not read.
    static func notRegularFile(_ path: String) -> IOFailure {
        IOFailure(path: path, operation: "read (not a regular file)", errno: EINVAL, kind: .notRegularFile)
    }

    public var description: String { "cannot \(operation) \(path): \(reason)" }

    /// Why, in words for the operator.
    public var reason: String {
        switch kind {
        case .notRegularFile:
            "it is not a regular file (a folder, a link to a folder, a pipe or a device); only regular CSV files are read"
        case .systemCall:
            String(cString: strerror(errno))
        }
    }
}

/// One CSV record or a structural problem, with the physical line it starts on (1-based).
public enum CSVEvent: Equatable {
    case record(line: Int, fields: [[UInt8]])
    case malformed(line: Int, message: String)
}

/// ``RecordReader`` with copied fields: convenient for small files (reference data) and tests.
public struct CSVScanner<Source: ByteSource> {
    private let reader: RecordReader

    public init(source: Source, maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 16) {
        reader = RecordReader(source: source, maxRecordBytes: maxRecordBytes, chunkSize: chunkSize)
    }

    /// The physical line the scanner has reached.
    public var currentLine: Int { reader.currentLine }

    /// The next record or problem, or `nil` at the end of input.
    public mutating func next() throws -> CSVEvent? {
        switch try reader.next() {
        case nil: return nil
        case .malformed(let line, let problem): return .malformed(line: line, message: problem.message(line: line))
        case .record(let view): return .record(line: view.line, fields: view.fields)
        }
    }
}
