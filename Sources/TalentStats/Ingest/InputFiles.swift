import Foundation

/// A raw input file, named by its path relative to the raw input folder.
public struct InputFile: Hashable, Sendable {
    /// Position in processing order (byte order of ``relativePath``).
    public let index: Int
    /// Path relative to `input/raw/`, with `/` separators.
    public let relativePath: String
    public let url: URL
}

/// Finds the raw files: every `*.csv` (any case) under the folder, any depth, in byte order of
/// their relative paths. Symbolic links to files are followed; links to folders are not walked, so
/// a link loop cannot trap the walk (such a link named `*.csv` is listed and then rejected).
public enum InputDiscovery {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func csvFiles(under root: URL) throws -> [InputFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "the raw input folder \(root.path) does not exist; create it and put the districts' CSV files in it, or pass --input")
        }
        var found: [String] = []
        try walk(root, prefix: "", into: &found)
        return found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .enumerated()
            .map { InputFile(index: $0.offset, relativePath: $0.element, url: root.appendingPathComponent($0.element)) }
    }

    private static func walk(_ folder: URL, prefix: String, into found: inout [String]) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw Failure(description: "cannot list the input folder \(folder.path): \(error.localizedDescription)")
        }
        for name in names where !name.hasPrefix(".") {
            let path = folder.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let relative = prefix.isEmpty ? name : prefix + "/" + name
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(folder.appendingPathComponent(name), prefix: relative, into: &found)
            default:
                // Regular files, links, and anything else named *.csv (a pipe, a device): the reader
                // rejects what is not a regular file, so nothing is passed over silently.
                if name.lowercased().hasSuffix(".csv") { found.append(relative) }
            }
        }
    }
}
