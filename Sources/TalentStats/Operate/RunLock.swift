import Foundation

/// An exclusive lock that keeps two runs from publishing into the same output folder at once.
///
/// It is a `flock(2)` on `OUTPUT/.talentstats.lock`: the kernel releases it when the process ends,
/// however it ends (SIGKILL included), so a crashed run never leaves a stale lock behind.
public final class RunLock {
    public struct Held: Error, CustomStringConvertible {
        public let path: String
        public let holder: String
        public var description: String {
            "another talentstats run is in progress (\(holder)), holding \(path); wait for it to finish, or check for a stuck process"
        }
    }

    private var fd: Int32
    public let path: String

    /// Takes the lock or throws ``Held`` at once (never waits).
    public init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent(".talentstats.lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw IOFailure(path: path, operation: "open the lock file", errno: errno)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            Glibc.close(fd)
            fd = -1
            throw Held(path: path, holder: holder.map { $0.isEmpty ? "unknown process" : $0 } ?? "unknown process")
        }
        // Say who holds it, for the message a second run prints.
        let note = "pid \(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock; also done by the kernel at exit.
    public func release() {
        if fd >= 0 {
            _ = ftruncate(fd, 0)
            _ = flock(fd, LOCK_UN)
            Glibc.close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
