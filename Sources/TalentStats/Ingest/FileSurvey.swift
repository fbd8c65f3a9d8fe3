import Crypto
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

/// What one streaming pass over a file learns before it is parsed: size, SHA-256 and encoding.
public struct FileSurvey: Sendable {
    public let bytes: Int
    public let sha256: String
    /// `nil` when the bytes are neither UTF-8 nor GB18030; ``problem`` says why.
    public let encoding: TextEncoding?
    public let problem: String?

    /// Reads `source` once, in chunks, hashing it and checking it as UTF-8 and as GB18030 at once.
    public static func survey<S: ByteSource>(_ source: inout S, chunkSize: Int = 1 << 16) throws -> FileSurvey {
        var hasher = SHA256()
        var utf8 = UTF8Validator()
        var gb = GB18030Validator()
        var total = 0
        var head: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(bufferPointer: chunk)
            if head.count < 4 { head.append(contentsOf: chunk.prefix(4 - head.count)) }
            for byte in chunk {
                utf8.feed(byte)
                gb.feed(byte)
            }
            total += n
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            return FileSurvey(bytes: total, sha256: digest, encoding: nil,
                              problem: "the file is UTF-16; save it as \"CSV UTF-8\" (或另存为 CSV UTF-8/GB18030)")
        }
        if utf8.isValid {
            return FileSurvey(bytes: total, sha256: digest, encoding: head.starts(with: [0xEF, 0xBB, 0xBF]) ? .utf8WithBOM : .utf8, problem: nil)
        }
        if gb.isValid && !gb.sawNUL {
            return FileSurvey(bytes: total, sha256: digest, encoding: .gb18030, problem: nil)
        }
        let offset = gb.firstInvalidOffset ?? utf8.firstInvalidOffset ?? total
        return FileSurvey(bytes: total, sha256: digest, encoding: nil,
                          problem: "the bytes are neither UTF-8 nor GB18030 (first invalid byte at offset \(offset)); save the file as CSV (UTF-8 or GB18030)")
    }
}

/// A streaming UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
struct UTF8Validator {
    private var remaining = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    private var offset = 0
    private(set) var firstInvalidOffset: Int?

    var isValid: Bool { firstInvalidOffset == nil && remaining == 0 }

    mutating func feed(_ b: UInt8) {
        defer { offset += 1 }
        guard firstInvalidOffset == nil else { return }
        if remaining > 0 {
            guard b >= low && b <= high else { firstInvalidOffset = offset; return }
            remaining -= 1
            low = 0x80
            high = 0xBF
            return
        }
        switch b {
        case 0x00...0x7F: return
        case 0xC2...0xDF: remaining = 1
        case 0xE0: remaining = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: remaining = 2
        case 0xED: remaining = 2; high = 0x9F
        case 0xF0: remaining = 3; low = 0x90
        case 0xF1...0xF3: remaining = 3
        case 0xF4: remaining = 3; high = 0x8F
        default: firstInvalidOffset = offset
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

    mutating func feed(_ b: UInt8) {
        defer { offset += 1 }
        guard firstInvalidOffset == nil else { return }
        switch state {
        case 0:
            if b == 0 { sawNUL = true }
            if b < 0x80 { return }
            if (0x81...0xFE).contains(b) { state = 1 } else { firstInvalidOffset = offset }
        case 1:
            if (0x40...0x7E).contains(b) || (0x80...0xFE).contains(b) { state = 0 }
            else if (0x30...0x39).contains(b) { state = 2 }
            else { firstInvalidOffset = offset }
        case 2:
            if (0x81...0xFE).contains(b) { state = 3 } else { firstInvalidOffset = offset }
        default:
            if (0x30...0x39).contains(b) { state = 0 } else { firstInvalidOffset = offset }
        }
    }
}
