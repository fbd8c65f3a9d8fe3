import Foundation

/// The text encoding of an input file, detected from its bytes.
public enum TextEncoding: String, Sendable, Codable {
    case utf8 = "UTF-8"
    case utf8WithBOM = "UTF-8 (BOM)"
    case gb18030 = "GB18030"

    /// Foundation's identifier for GB18030 (kCFStringEncodingGB_18030_2000).
    static let foundationGB18030 = String.Encoding(rawValue: 0x8000_0632)

    /// Bytes to skip at the start of the file.
    var bomLength: Int {
        switch self {
        case .utf8WithBOM: 3
        case .utf8, .gb18030: 0
        }
    }

    /// Decodes one field. Input already passed ``FileSurvey``'s validation, so failure means a bug
    /// or a file that changed while being read; it is reported as `nil`.
    func decode(_ bytes: [UInt8]) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        switch self {
        case .utf8, .utf8WithBOM:
            return String(validating: bytes, as: UTF8.self)
        case .gb18030:
            return String(bytes: bytes, encoding: Self.foundationGB18030)
        }
    }
}

/// What a streaming pass over a file learns before it is parsed: its size and encoding.
///
/// UTF-8 is tried first, in one pass that skips ASCII eight bytes at a time; only a file that is
/// not UTF-8 is read a second time to check it as GB18030. The SHA-256 is computed separately
/// (``FileDigest``, on another thread: ``BackgroundHash``), so that it can run beside the parse.
public struct FileSurvey: Sendable {
    public let bytes: Int
    /// `nil` when the bytes are neither UTF-8 nor GB18030; ``problem`` says why.
    public let encoding: TextEncoding?
    public let problem: String?

    public static func survey<S: ByteSource>(
        _ source: inout S, chunkSize: Int = 1 << 20, reopen: (() throws -> S)? = nil
    ) throws -> FileSurvey {
        var utf8 = UTF8Validator()
        var total = 0
        var head: [UInt8] = []
        try forEachChunk(&source, chunkSize: chunkSize) { chunk in
            if head.count < 4 { head.append(contentsOf: chunk.prefix(4 - head.count)) }
            utf8.feed(chunk)
            total += chunk.count
        }
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            return FileSurvey(
                bytes: total, encoding: nil,
                problem: "the file is UTF-16; save it as \"CSV UTF-8\" (或另存为 CSV UTF-8/GB18030)")
        }
        if utf8.isValid {
            return FileSurvey(
                bytes: total, encoding: head.starts(with: [0xEF, 0xBB, 0xBF]) ? .utf8WithBOM : .utf8, problem: nil)
        }
        // Not UTF-8: read it again as GB18030 (what Excel on a Chinese Windows saves).
        var gb = GB18030Validator()
        if var again = try reopen?() {
            try forEachChunk(&again, chunkSize: chunkSize) { chunk in for byte in chunk { gb.feed(byte) } }
        } else {
            gb.fail(at: 0)
        }
        if gb.isValid && !gb.sawNUL {
            return FileSurvey(bytes: total, encoding: .gb18030, problem: nil)
        }
        let offset = gb.firstInvalidOffset ?? utf8.firstInvalidOffset ?? total
        return FileSurvey(
            bytes: total, encoding: nil,
            problem:
                "the bytes are neither UTF-8 nor GB18030 (first invalid byte at offset \(offset)); save the file as CSV (UTF-8 or GB18030)"
        )
    }

    static func forEachChunk<S: ByteSource>(
        _ source: inout S, chunkSize: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            try body(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
        }
    }
}

/// A streaming UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF),
/// fast over ASCII.
struct UTF8Validator {
    private var remaining = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    private var offset = 0
    private(set) var firstInvalidOffset: Int?

    var isValid: Bool { firstInvalidOffset == nil && remaining == 0 }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) {
        guard firstInvalidOffset == nil, let base = chunk.baseAddress else {
            offset += chunk.count
            return
        }
        let raw = UnsafeRawPointer(base)
        let n = chunk.count
        var i = 0
        while i < n {
            if remaining == 0 {
                // Eight ASCII bytes at a time, then straight to the first byte that is not ASCII
                // (the lowest byte with its high bit set: the loads are little-endian).
                while i + 8 <= n {
                    let high =
                        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                        & 0x8080_8080_8080_8080
                    if high != 0 {
                        i += high.trailingZeroBitCount >> 3
                        break
                    }
                    i += 8
                }
                if i == n { break }
            }
            feed(base[i], at: offset + i)
            if firstInvalidOffset != nil { break }
            i += 1
        }
        offset += n
    }

    @inline(__always)
    mutating func feed(_ b: UInt8, at position: Int) {
        if remaining > 0 {
            guard b >= low && b <= high else {
                firstInvalidOffset = position
                return
            }
            remaining -= 1
            low = 0x80
            high = 0xBF
            return
        }
        switch b {
        case 0x00...0x7F: return
        case 0xC2...0xDF: remaining = 1
        case 0xE0:
            remaining = 2
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: remaining = 2
        case 0xED:
            remaining = 2
            high = 0x9F
        case 0xF0:
            remaining = 3
            low = 0x90
        case 0xF1...0xF3: remaining = 3
        case 0xF4:
            remaining = 3
            high = 0x8F
        default: firstInvalidOffset = position
        }
    }
}

/// A streaming check of GB18030's byte structure: single bytes 00–7F, two bytes 81–FE + 40–7E/80–FE,
/// four bytes 81–FE + 30–39 + 81–FE + 30–39.
struct GB18030Validator {
    private var state = 0
    private var offset = 0
    private(set) var firstInvalidOffset: Int?
    private(set) var sawNUL = false

    var isValid: Bool { firstInvalidOffset == nil && state == 0 }

    mutating func fail(at position: Int) { firstInvalidOffset = position }

    mutating func feed(_ b: UInt8) {
        defer { offset += 1 }
        guard firstInvalidOffset == nil else { return }
        switch state {
        case 0:
            if b == 0 { sawNUL = true }
            if b < 0x80 { return }
            if (0x81...0xFE).contains(b) { state = 1 } else { firstInvalidOffset = offset }
        case 1:
            if (0x40...0x7E).contains(b) || (0x80...0xFE).contains(b) {
                state = 0
            } else if (0x30...0x39).contains(b) {
                state = 2
            } else {
                firstInvalidOffset = offset
            }
        case 2:
            if (0x81...0xFE).contains(b) { state = 3 } else { firstInvalidOffset = offset }
        default:
            if (0x30...0x39).contains(b) { state = 0 } else { firstInvalidOffset = offset }
        }
    }
}

extension UInt64 {
    /// Whether any of the eight bytes is zero.
    var hasZeroByte: Bool { (self &- 0x0101_0101_0101_0101) & ~self & 0x8080_8080_8080_8080 != 0 }
}
