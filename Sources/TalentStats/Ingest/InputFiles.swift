import Foundation

/// A file found under the raw input folder, and whether it is read.
public struct InputFile: Hashable, Sendable {
    /// Position in processing order (byte order of the path's bytes relative to `input/raw/`, the
    /// file name's last extension compared last: ``InputDiscovery/processingKey(_:)``).
    public let index: Int
    /// Path relative to `input/raw/`, with `/` separators, as people read it: the name's bytes
    /// decoded (see ``FileName/display(_:)``). What manifests, messages and the workbook show.
    public let relativePath: String
    /// The path the operating system knows (bytes), for every system call on the file.
    public let path: SystemPath
    /// How the name's bytes were decoded into ``relativePath``.
    public let nameEncoding: NameEncoding
    /// Why the file is not read, or `nil` when it is read as CSV.
    public let notReadReason: UnreadReason?

    public init(
        index: Int, relativePath: String, path: SystemPath, nameEncoding: NameEncoding = .utf8,
        notReadReason: UnreadReason? = nil
    ) {
        self.index = index
        self.relativePath = relativePath
        self.path = path
        self.nameEncoding = nameEncoding
        self.notReadReason = notReadReason
    }

    /// A file whose path is valid UTF-8 (tests and tools).
    public init(index: Int, relativePath: String, url: URL) {
        self.init(index: index, relativePath: relativePath, path: SystemPath(url.path))
    }
}

/// Why a file under `raw/` is listed but not read: in English for `rejects.csv` and the log, in
/// Chinese for the clerks and officials who read the workbook.
public struct UnreadReason: Hashable, Sendable {
    public let message: String
    public let chinese: String

    static func folderUnlistable(_ error: String) -> Self {
        Self(
            message: "cannot list the folder: \(error); its files are not read. Check its permissions",
            chinese: "无法打开该文件夹（\(error)），其中的文件均未读取：请检查文件夹权限")
    }
    static func unexaminable(_ error: String) -> Self {
        Self(message: "cannot examine the file: \(error)", chinese: "无法读取该文件的属性（\(error)）")
    }
    static let linkToFolder = Self(
        message: "a link to a folder: links to folders are not followed; copy the files into raw/ instead",
        chinese: "指向文件夹的链接不会被读取：请将文件复制到 raw/ 中")
    static let linkToSpecial = Self(
        message: "a link to something that is not a regular file (a pipe or a device); only regular files are read",
        chinese: "链接指向的不是普通文件，未读取")
    static func brokenLink(_ error: String) -> Self {
        Self(message: "a link whose target does not exist (\(error))", chinese: "链接指向的文件不存在，未读取")
    }
    static let linkLoop = Self(
        message: "a link loop (the link leads back to itself); remove it or point it at a CSV file",
        chinese: "循环链接（链接最终指向自身），未读取")
    static let special = Self(
        message: "not a regular file (a pipe, a socket or a device); only regular files are read",
        chinese: "不是普通文件（管道、套接字或设备），未读取")

    /// A regular file that is not `*.csv`, by its extension.
    static func notCSV(_ name: [UInt8]) -> Self {
        let lower = String(decoding: asciiLowercased(name), as: UTF8.self)
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        let ext = parts.count > 1 ? String(parts.last!) : ""
        switch ext {
        case "zip", "rar", "7z", "gz", "tgz", "tar", "bz2", "xz":
            return Self(
                message:
                    "an archive (.\(ext)): archives are not unpacked; extract its CSV files into raw/ and move the archive out",
                chinese: "压缩包（.\(ext)）不会自动解压：请将其中的 CSV 文件解压到 raw/，并将压缩包移出")
        default:
            let what = ext.isEmpty ? "no extension" : ".\(ext)"
            return Self(
                message:
                    "not a *.csv or *.xlsx file (\(what)): only CSV files and workbooks are read; rename it to .csv if it is CSV, or move it out of raw/",
                chinese: "不是 CSV 文件或 Excel 工作簿（\(ext.isEmpty ? "无扩展名" : "." + ext)），未读取：如确为 CSV 请改扩展名为 .csv，否则请移出 raw/")
        }
    }
}

/// Finds every file under the raw input folder, at any depth, in byte order of the paths relative to
/// it (their bytes, as the file system holds them; the last extension compared after the rest).
///
/// Every `*.csv` and every workbook (`*.xlsx`, `*.xlsm`; `*.xls`, `*.et`, `*.ods` and the like are
/// opened and rejected with what to do), in any case, is read. Every other file is listed as not
/// read, with the reason, so that a zip dropped into `raw/` is never passed over in silence. Names are bytes:
/// a GBK name (a Chinese Windows zip unpacked on Linux) is read like any other and shown decoded.
/// Silent, by design: hidden entries (`.` first: `.DS_Store`, `.git/`, WPS's `.~` lock files) and
/// ``ignoredNames`` (notes kept beside the data and the litter office programs leave).
///
/// Symbolic links to files are followed; links to folders are not walked, so a link loop cannot trap
/// the walk (such a link is listed: read and rejected when named as a file that is read, not read
/// otherwise).
public enum InputDiscovery {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What discovery found.
    public struct Inventory: Sendable {
        /// Every file that is read or listed as not read, in processing order.
        public let files: [InputFile]
        /// Files left out in silence by ``InputDiscovery/isIgnored(_:)``, for the manifest.
        public let ignored: [String]
    }

    /// Names (matched case-insensitively) left out without a word: `README*`, `*.md`, Office's
    /// `~$` owner files, Windows' `Thumbs.db` and `desktop.ini`.
    public static func isIgnored(_ name: [UInt8]) -> Bool {
        let lower = asciiLowercased(name)
        return lower.starts(with: Array("readme".utf8)) || lower.starts(with: Array("~$".utf8))
            || lower.hasSuffix(".md") || lower == Array("thumbs.db".utf8) || lower == Array("desktop.ini".utf8)
    }

    /// The `*.csv` files to read (the files listed as not read are left out).
    public static func csvFiles(under root: URL) throws -> [InputFile] {
        try inventory(under: root).files.filter { $0.notReadReason == nil }
    }

    public static func inventory(under root: URL) throws -> Inventory {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(
                description:
                    "the raw input folder \(root.path) does not exist; create it and put the districts' CSV files in it, or pass --input"
            )
        }
        var found: [Found] = []
        let rootPath = SystemPath(root.path)
        guard let names = listFolder(rootPath) else {
            throw Failure(description: "cannot list the input folder \(root.path): \(String(cString: strerror(errno)))")
        }
        walk(rootPath, names: names, prefix: [], into: &found)

        // What people read must name one file only. Names shown alike are shown escaped instead,
        // until no two are alike: the escaped form is one-to-one with the bytes, so this ends.
        var entries = found.map { (text: $0.display.text, encoding: $0.display.encoding, found: $0) }
        while true {
            var shown: [String: Int] = [:]
            for e in entries { shown[e.text, default: 0] += 1 }
            let clashing = entries.indices.filter {
                shown[entries[$0].text, default: 0] > 1 && entries[$0].encoding != .escaped
            }
            if clashing.isEmpty { break }
            // Decoded GB18030 names give way first; a UTF-8 name only when it still clashes.
            let decoded = clashing.filter { entries[$0].encoding == .gb18030 }
            for i in decoded.isEmpty ? clashing : decoded {
                let escaped = entries[i].found.relative.split(
                    separator: UInt8(ascii: "/"), omittingEmptySubsequences: false
                )
                .map { FileName.escaped(Array($0)) }.joined(separator: "/")
                entries[i] = (escaped, .escaped, entries[i].found)
            }
        }
        // Processing order (which decides what supersedes what) is the byte order of the paths
        // themselves, so that no other file's presence can change it, with the last extension
        // compared after the rest: `2024-05.xlsx` comes before `2024-05.v2.xlsx` as `2024-05.csv`
        // before `2024-05.v2.csv` (by plain bytes, `.v` sorts before `.x`).
        let ordered = entries.sorted { processingKey($0.found.relative) < processingKey($1.found.relative) }
        let ignored = ordered.filter(\.found.isIgnored).map(\.text)
        let files = ordered.filter { !$0.found.isIgnored }.enumerated().map { n, entry in
            InputFile(
                index: n, relativePath: entry.text, path: rootPath.appending(entry.found.relative),
                nameEncoding: entry.encoding, notReadReason: entry.found.notReadReason)
        }
        return Inventory(files: files, ignored: ignored)
    }

    // MARK: - Walking

    private struct Found {
        let relative: [UInt8]
        let display: (text: String, encoding: NameEncoding)
        let notReadReason: UnreadReason?
        /// On the ignore list: listed in the manifest's `ignored` only.
        var isIgnored = false
    }

    /// The entry names of a folder (without `.` and `..`), or `nil` with `errno` set.
    private static func listFolder(_ folder: SystemPath) -> [[UInt8]]? {
        guard let dir = folder.withCString({ opendir($0) }) else { return nil }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: 256) {
                    Array(
                        UnsafeBufferPointer(
                            start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))))
                }
            }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    private static func walk(_ folder: SystemPath, names: [[UInt8]], prefix: [UInt8], into found: inout [Found]) {
        for name in names where name.first != UInt8(ascii: ".") {
            let path = folder.appending(name)
            let relative = prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
            func display() -> (text: String, encoding: NameEncoding) {
                let parts = relative.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map {
                    FileName.display(Array($0))
                }
                let encoding: NameEncoding =
                    parts.contains { $0.encoding == .escaped }
                    ? .escaped
                    : parts.contains { $0.encoding == .gb18030 } ? .gb18030 : .utf8
                return (parts.map(\.text).joined(separator: "/"), encoding)
            }
            func list(_ reason: UnreadReason?) {
                found.append(Found(relative: relative, display: display(), notReadReason: reason))
            }
            func ignore() {
                found.append(Found(relative: relative, display: display(), notReadReason: nil, isIgnored: true))
            }

            var info = stat()
            guard path.withCString({ lstat($0, &info) }) == 0 else {
                list(.unexaminable(String(cString: strerror(errno))))
                continue
            }
            let isCSV = isRead(name)
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                if let names = listFolder(path) {
                    walk(path, names: names, prefix: relative, into: &found)
                } else {
                    list(.folderUnlistable(String(cString: strerror(errno))))
                }
            case S_IFREG:
                // The ignore list first: Excel's `~$2024-12.csv` owner file is litter, not data.
                if isIgnored(name) { ignore() } else if isCSV { list(nil) } else { list(.notCSV(name)) }
            default:
                // Links, pipes, devices. Anything named *.csv goes to the reader, which rejects what
                // is not a regular file without blocking; the rest is listed here.
                if isIgnored(name) {
                    ignore()
                    continue
                }
                if isCSV {
                    list(nil)
                    continue
                }
                var target = stat()
                let isLink = info.st_mode & S_IFMT == S_IFLNK
                if isLink, path.withCString({ stat($0, &target) }) == 0 {
                    switch target.st_mode & S_IFMT {
                    case S_IFREG: list(.notCSV(name))
                    case S_IFDIR: list(.linkToFolder)
                    default: list(.linkToSpecial)
                    }
                } else if isLink {
                    list(errno == ELOOP ? .linkLoop : .brokenLink(String(cString: strerror(errno))))
                } else {
                    list(.special)
                }
            }
        }
    }

    /// Files handed to the reader by name: CSV files, and workbooks of every spreadsheet format (the
    /// reader reads .xlsx and .xlsm, and rejects the others with what to do: save as .xlsx).
    /// A path's place in processing order: its bytes without the file name's last extension, then
    /// that extension (a dot first in a name starts no extension).
    struct ProcessingKey: Comparable {
        let stem: ArraySlice<UInt8>
        let ext: ArraySlice<UInt8>
        static func < (a: Self, b: Self) -> Bool {
            if a.stem != b.stem { return a.stem.lexicographicallyPrecedes(b.stem) }
            return a.ext.lexicographicallyPrecedes(b.ext)
        }
    }

    static func processingKey(_ relative: [UInt8]) -> ProcessingKey {
        let nameStart = (relative.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        if let dot = relative.lastIndex(of: UInt8(ascii: ".")), dot > nameStart {
            return ProcessingKey(stem: relative[..<dot], ext: relative[dot...])
        }
        return ProcessingKey(stem: relative[...], ext: [])
    }

    static func isRead(_ name: [UInt8]) -> Bool {
        let lower = asciiLowercased(name)
        return [".csv", ".xlsx", ".xlsm", ".xls", ".xlsb", ".et", ".ett", ".ods"].contains { lower.hasSuffix($0) }
    }
}

/// A name's bytes with ASCII letters lower-cased (other bytes unchanged), for case-insensitive
/// matching of extensions and the ignore list.
func asciiLowercased(_ name: [UInt8]) -> [UInt8] {
    name.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
}

extension Array where Element == UInt8 {
    fileprivate func hasSuffix(_ suffix: String) -> Bool {
        let s = Array(suffix.utf8)
        return count >= s.count && Array(self[(count - s.count)...]) == s
    }
}
