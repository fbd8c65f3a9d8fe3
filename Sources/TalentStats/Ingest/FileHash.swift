import Crypto
import Foundation

extension FileSurvey {
    /// The SHA-256 of a file, as lowercase hex.
    public static func sha256(of path: String) throws -> String { try sha256(of: SystemPath(path)) }

    /// The SHA-256 of a file named by its bytes, as lowercase hex.
    public static func sha256(of path: SystemPath) throws -> String {
        var source = try FileByteSource(path: path)
        var hasher = SHA256()
        try forEachChunk(&source, chunkSize: 1 << 20) { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
