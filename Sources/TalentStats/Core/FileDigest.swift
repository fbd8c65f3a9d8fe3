import Crypto
import Foundation

/// SHA-256 of files, as lowercase hex: of the input files (Ingest), the reference files and every
/// output (Publish) for the manifest. In Core because several stages use it. It reads through
/// ``FileByteSource``, so it refuses what Ingest refuses (anything but a regular file, without
/// blocking) with the same ``IOFailure``.
public enum FileDigest {
    /// The SHA-256 of a file, as lowercase hex.
    public static func sha256(of path: String) throws -> String { try sha256(of: SystemPath(path)) }

    /// The SHA-256 of a file named by its bytes, as lowercase hex.
    public static func sha256(of path: SystemPath) throws -> String {
        var source = try FileByteSource(path: path)
        var hasher = SHA256()
        try FileSurvey.forEachChunk(&source, chunkSize: 1 << 20) {
            hasher.update(bufferPointer: UnsafeRawBufferPointer($0))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of bytes in memory, as lowercase hex.
    public static func sha256(of data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
