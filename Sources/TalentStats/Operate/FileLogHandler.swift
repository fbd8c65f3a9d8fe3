import Foundation
import Logging

/// A swift-log handler that appends one line per message to a file (for `--log-file`).
///
/// Lines are written with a single `write(2)` on an `O_APPEND` descriptor, so lines of concurrent
/// runs never interleave within a line.
public struct FileLogHandler: LogHandler {
    final class Sink: @unchecked Sendable {
        // Safe to send: its only state is a descriptor set once in `init`; each line is one
        // `write(2)`, which the kernel makes atomic on an `O_APPEND` descriptor.
        let fd: Int32
        init(path: String) throws {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if fd < 0 { throw IOFailure(path: path, operation: "open the log file", errno: errno) }
        }
        deinit { close(fd) }
        func write(_ line: String) {
            var text = line
            text.withUTF8 { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
        }
    }

    private let sink: Sink
    private let label: String
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init(label: String, path: String) throws {
        self.label = label
        self.sink = try Sink(path: path)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let time = ISO8601DateFormatter().string(from: Date())
        sink.write("\(time) \(event.level) \(label): \(event.message)\n")
    }
}
