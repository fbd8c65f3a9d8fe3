import Foundation

/// A path as the operating system holds it: bytes, not text.
///
/// Linux file names are byte strings. A zip made on a Chinese Windows and unpacked on Linux gives
/// names in GBK (`东城.csv` as `B6 AB B3 C7 2E 63 73 76`), which no Swift `String` can carry back
/// to `open(2)`. Every system call on an input file therefore goes through a `SystemPath`; what a
/// person reads is ``FileName/display(_:)`` of it.
public struct SystemPath: Hashable, Sendable, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL (a name cannot contain NUL).
    public let bytes: [UInt8]

    public init(_ string: String) { bytes = Array(string.utf8) }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// This path followed by `/` and `component`.
    public func appending(_ component: [UInt8]) -> SystemPath {
        var joined = bytes
        if joined.last != UInt8(ascii: "/") { joined.append(UInt8(ascii: "/")) }
        joined.append(contentsOf: component)
        return SystemPath(bytes: joined)
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var terminated = bytes.map { CChar(bitPattern: $0) }
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// The path for people (see ``FileName/display(_:)``).
    public var description: String { FileName.display(bytes).text }
}

/// How a file name's bytes were turned into text for manifests, messages and the workbook.
public enum NameEncoding: String, Sendable, Codable {
    case utf8 = "UTF-8"
    /// Not UTF-8 but valid GB18030 (GBK names from a Chinese Windows zip): decoded.
    case gb18030 = "GB18030"
    /// Neither: bytes of 0x80 and above are shown as `\xHH` (and `\` as `\\`).
    case escaped
}

/// Turns file-name bytes into text a person can read, without losing which file is meant.
public enum FileName {
    /// UTF-8 names as they are; otherwise GB18030 when the bytes are valid GB18030 (Chinese
    /// Windows, GBK); otherwise, or when the decoded name holds a character no reader can see
    /// (a control character, U+FFFE, U+FFFF, …), the ``escaped(_:)`` form.
    public static func display(_ bytes: [UInt8]) -> (text: String, encoding: NameEncoding) {
        if let text = String(validating: bytes, as: UTF8.self) {
            return text.unicodeScalars.contains(where: TextNormalization.isInvisible)
                ? (escaped(bytes), .escaped) : (text, .utf8)
        }
        var gb = GB18030Validator()
        for byte in bytes { gb.feed(byte) }
        if gb.isValid, let text = String(bytes: bytes, encoding: TextEncoding.foundationGB18030), !text.isEmpty,
            !text.unicodeScalars.contains(where: TextNormalization.isInvisible)
        {
            return (text, .gb18030)
        }
        return (escaped(bytes), .escaped)
    }

    /// The name with every byte at or above 0x80, every control byte and DEL written `\xHH`, and `\`
    /// written `\\`: one-to-one with the bytes, so two different names never show alike.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x00..<0x10: text += "\\x0" + String(byte, radix: 16, uppercase: true)
            case 0x10..<0x20, 0x7F...: text += "\\x" + String(byte, radix: 16, uppercase: true)
            default: text.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return text
    }
}
