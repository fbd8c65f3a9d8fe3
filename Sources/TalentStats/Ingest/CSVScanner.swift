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

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw IOFailure(path: path, operation: "open", errno: errno) }
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { bytesRead += n; return n }
            if errno == EINTR { continue }
            throw IOFailure(path: path, operation: "read", errno: errno)
        }
    }
}

/// A failed system call on a file, with the OS's explanation.
public struct IOFailure: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let errno: Int32
    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// One CSV record or a structural problem, with the physical line it starts on (1-based).
public enum CSVEvent: Equatable {
    case record(line: Int, fields: [[UInt8]])
    case malformed(line: Int, message: String)
}

/// A streaming RFC 4180 scanner over bytes.
///
/// It splits at the byte level (`,` `"` CR LF are ASCII and never occur inside a GB18030 or UTF-8
/// multi-byte character), so it runs before decoding. Lines are physical lines: CRLF, LF and a lone
/// CR each end one, including inside quoted fields; a record is reported at its first line. Blank
/// lines are skipped. A quote inside an unquoted field, or text after a closing quote, is kept
/// literally. A record over `maxRecordBytes` is reported as malformed without being kept in memory.
public struct CSVScanner<Source: ByteSource> {
    private var source: Source
    private var buffer: UnsafeMutableRawBufferPointer
    private var filled = 0
    private var position = 0
    private var atEnd = false

    public let maxRecordBytes: Int

    // Record state.
    private var fields: [[UInt8]] = []
    private var current: [UInt8] = []
    private var fieldQuoted = false
    private var inQuotes = false
    private var pendingQuote = false
    private var pendingCR = false
    private var line = 1
    private var recordLine = 1
    private var recordBytes = 0
    private var tooLong = false
    private var finished = false

    public init(source: Source, maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 16) {
        self.source = source
        self.maxRecordBytes = maxRecordBytes
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    }

    /// Frees the read buffer. Call once when done (the scanner is a struct, so it cannot do this itself).
    public mutating func deallocate() { buffer.deallocate() }

    /// The physical line the scanner has reached (for progress and end-of-file messages).
    public var currentLine: Int { line }

    /// The next record or problem, or `nil` at the end of input.
    public mutating func next() throws -> CSVEvent? {
        while true {
            if position == filled {
                if atEnd { return finish() }
                filled = try source.read(into: buffer)
                position = 0
                if filled == 0 { atEnd = true; continue }
            }
            let byte = buffer[position]
            position += 1
            if let event = consume(byte) { return event }
        }
    }

    private mutating func finish() -> CSVEvent? {
        guard !finished else { return nil }
        finished = true
        if inQuotes && !pendingQuote {
            let start = recordLine
            resetRecord()
            return .malformed(line: start, message: "unterminated quoted field: a \" opened on line \(start) is never closed before the end of the file")
        }
        inQuotes = false
        pendingQuote = false
        if !fields.isEmpty || !current.isEmpty || fieldQuoted || tooLong {
            return endRecord(nextLine: line)
        }
        return nil
    }

    private mutating func append(_ byte: UInt8) {
        recordBytes += 1
        if recordBytes > maxRecordBytes {
            if !tooLong { tooLong = true; fields = []; current = [] }
            return
        }
        current.append(byte)
    }

    private mutating func endField() {
        if !tooLong { fields.append(current) }
        current = []
        current.reserveCapacity(16)
        fieldQuoted = false
        recordBytes += 1
    }

    private mutating func resetRecord() {
        fields = []
        current = []
        fieldQuoted = false
        recordBytes = 0
        tooLong = false
    }

    /// Ends the record; returns it unless it is a blank line.
    private mutating func endRecord(nextLine: Int) -> CSVEvent? {
        let quoted = fieldQuoted
        endField()
        let start = recordLine
        recordLine = nextLine
        defer { resetRecord() }
        if tooLong {
            return .malformed(line: start, message: "record longer than the limit of \(maxRecordBytes) bytes")
        }
        if fields.count == 1 && fields[0].isEmpty && !quoted { return nil }  // blank line
        return .record(line: start, fields: fields)
    }

    private mutating func consume(_ byte: UInt8) -> CSVEvent? {
        let afterCR = pendingCR
        pendingCR = false
        if inQuotes {
            if pendingQuote {
                pendingQuote = false
                if byte == 0x22 { append(0x22); return nil }
                inQuotes = false  // the quote closed the field; handle this byte as unquoted
            } else {
                if byte == 0x22 { pendingQuote = true; return nil }
                append(byte)
                if byte == 0x0D { line += 1; pendingCR = true } else if byte == 0x0A && !afterCR { line += 1 }
                return nil
            }
        }
        switch byte {
        case 0x2C:
            endField()
            return nil
        case 0x0A:
            if afterCR { return nil }  // the LF of a CRLF; the CR ended the record
            line += 1
            return endRecord(nextLine: line)
        case 0x0D:
            line += 1
            pendingCR = true
            return endRecord(nextLine: line)
        case 0x22 where current.isEmpty && !fieldQuoted:
            inQuotes = true
            fieldQuoted = true
            return nil
        default:
            append(byte)
            return nil
        }
    }
}
