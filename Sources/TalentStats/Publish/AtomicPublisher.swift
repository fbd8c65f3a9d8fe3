import Foundation

/// Writes a set of output files into a folder so that readers see either the previous complete
/// set or the new complete set, never a mixture or a partial file.
///
/// Files go into a temporary folder beside the target (same file system), are flushed to disk, and the
/// folder is then swapped into place with `renameat2(RENAME_EXCHANGE)`, or renamed when the target
/// does not exist yet. The previous set is deleted only after the swap.
public struct AtomicPublisher {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let target: URL

    public init(target: URL) { self.target = target }

    /// The temporary folder used while writing; unique per process.
    public var stagingFolder: URL {
        target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())")
    }

    /// Creates the staging folder (removing a stale one of this process).
    public func begin() throws -> URL {
        let parent = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create the output folder \(parent.path): \(error.localizedDescription); check that it is writable or pass --output")
        }
        // Leftovers of runs that were killed: the caller holds the run lock, so none is in use.
        let prefixes = [".\(target.lastPathComponent).tmp-", ".\(target.lastPathComponent).old-"]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where prefixes.contains(where: name.hasPrefix) {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
        let staging = stagingFolder
        guard mkdir(staging.path, 0o755) == 0 else {
            throw Failure(description: "cannot write in the output folder \(parent.path): \(String(cString: strerror(errno))); check its permissions or pass --output")
        }
        return staging
    }

    /// Writes one file into the staging folder and flushes it to disk.
    public static func write(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot create \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write \(url.path): \(String(cString: strerror(errno)))\(errno == ENOSPC ? "; free disk space and run again" : "")")
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot flush \(url.path) to disk: \(String(cString: strerror(errno)))") }
    }

    /// Flushes a file another writer produced (the workbook) to disk.
    public static func sync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot flush \(url.path) to disk: \(String(cString: strerror(errno)))") }
    }

    /// Puts the staging folder in place of the target as one step.
    public func commit() throws {
        let staging = stagingFolder
        syncFolder(staging)
        if FileManager.default.fileExists(atPath: target.path) {
            if let exchange = Self.renameat2, exchange(AT_FDCWD, staging.path, AT_FDCWD, target.path, 2 /* RENAME_EXCHANGE */) == 0 {
                try? FileManager.default.removeItem(at: staging)  // now holds the previous set
            } else {
                // No atomic exchange on this system or file system: move the old set aside first.
                let aside = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())")
                guard rename(target.path, aside.path) == 0 else { throw Failure(description: "cannot replace \(target.path): \(String(cString: strerror(errno)))") }
                guard rename(staging.path, target.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    _ = rename(aside.path, target.path)
                    throw Failure(description: "cannot publish \(target.path): \(reason)")
                }
                try? FileManager.default.removeItem(at: aside)
            }
        } else {
            guard rename(staging.path, target.path) == 0 else {
                throw Failure(description: "cannot publish \(target.path): \(String(cString: strerror(errno)))")
            }
        }
        syncFolder(target.deletingLastPathComponent())
    }

    /// A note for failure messages when the file system is (nearly) full.
    public static func freeSpaceHint(at url: URL) -> String {
        var info = statvfs()
        guard statvfs(url.path, &info) == 0 else { return "" }
        let (product, overflow) = Int(clamping: info.f_bavail).multipliedReportingOverflow(by: Int(clamping: info.f_frsize))
        let free = overflow ? Int.max : product
        return free < 64 << 20 ? "; the disk is (nearly) full (\(free / 1024) KiB free): free disk space and run again" : ""
    }

    /// Removes the staging folder after a failure.
    public func abandon() {
        try? FileManager.default.removeItem(at: stagingFolder)
    }

    private func syncFolder(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// glibc's `renameat2`, looked up at run time (Swift's Glibc module does not import it).
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    private static var renameat2: RenameAt2? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }
}
