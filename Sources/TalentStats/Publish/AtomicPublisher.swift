import Foundation

/// Writes a set of output files into a folder so that readers see either the previous complete
/// set or the new complete set, never a mixture or a partial file.
///
/// Files go into a temporary folder beside the target (same file system), are flushed to disk, and the
/// folder is then swapped into place with `renameat2(RENAME_EXCHANGE)`, or renamed when the target
/// does not exist yet. The previous set is deleted only after the swap and a flush of the parent
/// folder.
///
/// Where the exchange is not available (NFS, CIFS, older kernels), the previous set is first moved
/// aside to `.NAME.old-PID`, then the new set is renamed into place: readers find no folder between
/// the two renames, and a run killed there leaves the previous set aside, where the next run finds
/// it and puts it back (``recoverAll(in:)``, before it reads any input) before it deletes anything.
public struct AtomicPublisher {
    /// Why publishing failed: the one line the operator reads, and what a caller decides by.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, as far as a caller decides anything by it.
        public enum Kind: Sendable, Equatable {
            /// The disk is full (ENOSPC), and ``Failure/description`` already says to free disk space.
            case noSpace
            /// Anything else: permissions, a missing folder, an I/O error.
            case other
        }

        public let description: String
        public let kind: Kind

        init(description: String, kind: Kind = .other) {
            self.description = description
            self.kind = kind
        }

        /// A full disk: `problem`, then the advice to free disk space.
        static func noSpace(_ problem: String) -> Failure {
            Failure(description: problem + "; free disk space and run again", kind: .noSpace)
        }

        /// Whether the message already tells the operator to free disk space (a caller then adds no
        /// hint of its own).
        public var mentionsFreeSpace: Bool { kind == .noSpace }
    }

    public let target: URL

    public init(target: URL) { self.target = target }

    /// The temporary folder used while writing; unique per process.
    public var stagingFolder: URL {
        target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())")
    }

    /// Where the previous set waits between the two renames of the fallback; unique per process.
    var asideFolder: URL {
        target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())")
    }

    // MARK: - Staging

    /// Creates the staging folder, after putting back a previous set that a killed run left aside
    /// and removing what killed runs left.
    public func begin() throws -> URL {
        let parent = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw Failure(
                description:
                    "cannot create the output folder \(parent.path): \(error.localizedDescription); check that it is writable or pass --output"
            )
        }
        // Leftovers of runs that were killed: the caller holds the run lock, so none is in use.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        let mine = names.filter {
            Leftover($0)?.target == target.lastPathComponent && Self.isFolder(parent.appendingPathComponent($0))
        }
        try recoverPreviousSet(among: mine.filter { Leftover($0)?.kind == .aside })
        for name in mine where Leftover(name)?.kind == .staging {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
        let staging = stagingFolder
        guard mkdir(staging.path, 0o755) == 0 else {
            throw Failure(
                description:
                    "cannot write in the output folder \(parent.path): \(String(cString: strerror(errno))); check its permissions or pass --output"
            )
        }
        return staging
    }

    /// Puts back every previous set a killed run left aside in `folder` (for any period, not only
    /// the one about to be published) and removes killed runs' staging folders. Called by every
    /// run that holds the output folder's lock, before it reads any input, so that a report folder
    /// is never missing for longer than one run, even when that run fails.
    /// - Returns: the report folders put back.
    public static func recoverAll(in folder: URL) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var asides: [String: [String]] = [:]
        for name in names {
            guard let leftover = Leftover(name), isFolder(folder.appendingPathComponent(name)) else { continue }
            switch leftover.kind {
            case .aside: asides[leftover.target, default: []].append(name)
            case .staging: try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
        var recovered: [String] = []
        for (target, names) in asides.sorted(by: { $0.key < $1.key }) {
            let publisher = AtomicPublisher(target: folder.appendingPathComponent(target))
            if try publisher.recoverPreviousSet(among: names) { recovered.append(target) }
        }
        return recovered
    }

    /// What a killed run may leave beside its target: `.TARGET.old-PID` (the previous set, moved
    /// aside) or `.TARGET.tmp-PID` (a staging folder). Nothing else is ever touched.
    struct Leftover: Equatable {
        enum Kind { case aside, staging }
        let target: String
        let kind: Kind

        init?(_ name: String) {
            guard name.hasPrefix("."), name.count > 1 else { return nil }
            for (marker, kind) in [(".old-", Kind.aside), (".tmp-", Kind.staging)] {
                guard let range = name.range(of: marker, options: .backwards) else { continue }
                let target = name[name.index(after: name.startIndex)..<range.lowerBound]
                let pid = name[range.upperBound...]
                guard !target.isEmpty, !target.hasPrefix("."), !pid.isEmpty, pid.allSatisfy(\.isASCII),
                    pid.allSatisfy(\.isNumber)
                else { return nil }
                self.target = String(target)
                self.kind = kind
                return
            }
            return nil
        }
    }

    /// A real folder (not a link, not a file).
    static func isFolder(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// A run killed between the two renames of the fallback left the previous set aside and no
    /// target: puts it back. Aside folders are deleted only once the target is in place and the
    /// parent folder is flushed to disk.
    /// - Returns: whether the target was put back.
    @discardableResult
    private func recoverPreviousSet(among asides: [String]) throws -> Bool {
        guard !asides.isEmpty else { return false }
        var putBack = false
        let parent = target.deletingLastPathComponent()
        var info = stat()
        if lstat(target.path, &info) != 0 {
            guard errno == ENOENT else {
                throw Failure(
                    description: "cannot look at \(target.path): \(Self.reason(errno)); "
                        + "check the output folder's permissions")
            }
            // Normally there is only one; should there be more, the newest content is the latest report.
            func modified(_ name: String) -> Int {
                var s = stat()
                return stat(parent.appendingPathComponent(name).path, &s) == 0 ? Int(s.st_mtim.tv_sec) : 0
            }
            let newest = asides.max { (modified($0), $0) < (modified($1), $1) }!
            let aside = parent.appendingPathComponent(newest)
            guard rename(aside.path, target.path) == 0 else {
                throw Failure(
                    description: "the previous report is in \(aside.path) and cannot be put back at "
                        + "\(target.path): \(Self.reason(errno)); rename it by hand and run again")
            }
            putBack = true
        }
        try Self.syncFolder(parent)
        for name in asides where FileManager.default.fileExists(atPath: parent.appendingPathComponent(name).path) {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
        return putBack
    }

    /// Writes one file into the staging folder and flushes it to disk.
    public static func write(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure(description: "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        var closed = false
        defer { if !closed { close(fd) } }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                // A write that takes nothing would loop for ever: the device is full.
                if n <= 0 {
                    let code = n == 0 ? ENOSPC : errno
                    let problem = "cannot write \(url.path): \(String(cString: strerror(code)))"
                    throw code == ENOSPC ? Failure.noSpace(problem) : Failure(description: problem)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else {
            throw Failure(description: "cannot flush \(url.path) to disk: \(String(cString: strerror(errno)))")
        }
        closed = true
        // Some file systems (NFS) report a failed write only when the file is closed.
        guard close(fd) == 0 else {
            throw Failure(description: "cannot close \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes a file another writer produced (the workbook) to disk.
    public static func sync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(description: "cannot open \(url.path): \(String(cString: strerror(errno)))")
        }
        guard fsync(fd) == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "cannot flush \(url.path) to disk: \(String(cString: strerror(code)))")
        }
        guard close(fd) == 0 else {
            throw Failure(description: "cannot close \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: - Publishing

    /// Puts the staging folder in place of the target as one step (or, without an atomic exchange,
    /// two), and flushes the parent folder to disk before the previous set is deleted.
    /// - Throws: ``Failure`` (or the test hook's failure), the previous set being back in place.
    public func commit() throws {
        let staging = stagingFolder
        let parent = target.deletingLastPathComponent()
        try Self.syncFolder(staging)
        guard FileManager.default.fileExists(atPath: target.path) else {
            guard rename(staging.path, target.path) == 0 else {
                throw Failure(description: "cannot publish \(target.path): \(String(cString: strerror(errno)))")
            }
            do { try Self.syncFolder(parent) } catch {
                _ = rename(target.path, staging.path)  // not known to be on disk: not published
                throw error
            }
            return
        }
        if !TestHooks.isSet("no-rename-exchange"), let exchange = Self.renameat2 {
            let renameExchange: UInt32 = 2  // RENAME_EXCHANGE, which Swift's Glibc module does not import
            if exchange(AT_FDCWD, staging.path, AT_FDCWD, target.path, renameExchange) == 0 {
                do { try Self.syncFolder(parent) } catch {
                    // The previous set back in place.
                    _ = exchange(AT_FDCWD, staging.path, AT_FDCWD, target.path, renameExchange)
                    throw error
                }
                try? FileManager.default.removeItem(at: staging)  // now holds the previous set
                return
            }
            // Only a file system or kernel without the exchange falls back; other errors are real.
            let code = errno
            guard code == EINVAL || code == ENOSYS || code == EOPNOTSUPP else {
                throw Failure(description: "cannot replace \(target.path): \(String(cString: strerror(code)))")
            }
        }
        try replaceInTwoSteps(staging)
    }

    /// The fallback: moves the previous set aside, renames the new one into place, flushes the
    /// parent folder, and only then deletes the previous set. A failure puts the previous set back;
    /// a kill between the renames leaves it aside for the next run to put back (``recoverAll(in:)``).
    private func replaceInTwoSteps(_ staging: URL) throws {
        let parent = target.deletingLastPathComponent()
        let aside = asideFolder
        guard rename(target.path, aside.path) == 0 else {
            throw Failure(description: "cannot replace \(target.path): \(String(cString: strerror(errno)))")
        }
        // The error to throw once the previous set is back (or, if it cannot be, one saying where it is).
        func putBack(_ error: Error) -> Error {
            guard rename(aside.path, target.path) == 0 else {
                return Failure(
                    description: "\(error); the previous report is in \(aside.path) and could not be put "
                        + "back (\(Self.reason(errno))): the next run puts it back, or rename it to \(target.path) by hand",
                    kind: (error as? Failure)?.kind ?? .other)
            }
            try? Self.syncFolder(parent)
            return error
        }
        do { try TestHooks.reach("between-renames") } catch { throw putBack(error) }
        guard rename(staging.path, target.path) == 0 else {
            throw putBack(Failure(description: "cannot publish \(target.path): \(String(cString: strerror(errno)))"))
        }
        do { try Self.syncFolder(parent) } catch {
            // The new set is in place but not known to be on disk: not published.
            guard rename(target.path, staging.path) == 0 else { throw error }
            throw putBack(error)
        }
        try? FileManager.default.removeItem(at: aside)
    }

    /// A note for failure messages when the file system is (nearly) full: less than 64 MiB free.
    /// Empty otherwise.
    public static func freeSpaceHint(at url: URL) -> String {
        var info = statvfs()
        guard statvfs(url.path, &info) == 0 else { return "" }
        let (product, overflow) = Int(clamping: info.f_bavail).multipliedReportingOverflow(
            by: Int(clamping: info.f_frsize))
        let free = overflow ? Int.max : product
        return free < 64 << 20
            ? "; the disk is (nearly) full (\(free / 1024) KiB free): free disk space and run again" : ""
    }
    /// Removes the staging folder after a failure.
    public func abandon() {
        try? FileManager.default.removeItem(at: stagingFolder)
    }

    /// Flushes a folder's entries to disk. EINVAL counts as success: some file systems (CIFS and
    /// some FUSE ones among them) refuse `fsync` on a folder, having nothing to flush.
    static func syncFolder(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(description: "cannot open the folder \(url.path) to flush it to disk: \(reason(errno))")
        }
        defer { close(fd) }
        var code: Int32 = 0
        repeat { code = fsync(fd) == 0 ? 0 : errno } while code == EINTR
        guard code == 0 || code == EINVAL else {
            let problem = "cannot flush the folder \(url.path) to disk: \(reason(code))"
            throw code == ENOSPC ? Failure.noSpace(problem) : Failure(description: problem)
        }
    }

    /// The OS's explanation of an `errno` value.
    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// glibc's `renameat2`, looked up at run time (Swift's Glibc module does not import it).
    private typealias RenameAt2 =
        @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    private static var renameat2: RenameAt2? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }
}
