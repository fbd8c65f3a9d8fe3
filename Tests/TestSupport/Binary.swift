import Foundation

/// Runs the built `talentstats` executable as a subprocess, as cron or an operator would.
public enum Binary {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The package root (this file is Tests/TestSupport/Binary.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The executable next to the test bundle (`swift build` builds it; `scripts/test.sh` does so first).
    public static var url: URL {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("talentstats"),
            Bundle.main.bundleURL.appendingPathComponent("talentstats"),
            packageRoot.appendingPathComponent(".build/debug/talentstats"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    /// Runs `talentstats arguments…` in `directory` and waits for it.
    public static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws
        -> Result
    {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw BinaryMissing(path: url.path)
        }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = childEnvironment(environment)
        // Output goes to files, so a chatty child can never block on a full pipe.
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent(
            "talentstats-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent(
            "talentstats-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// This process's environment without `SOURCE_DATE_EPOCH` (tests fix dates themselves), plus `extra`.
    public static func childEnvironment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SOURCE_DATE_EPOCH")
        for (k, v) in extra { env[k] = v }
        return env
    }

    public struct BinaryMissing: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "the talentstats binary is not at \(path); run `swift build` first (scripts/test.sh does)"
        }
    }
}

extension Binary {
    /// A run in the background, for tests that kill it or race it.
    public final class Background {
        public let process: Process
        public let stderrURL: URL

        public init(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws {
            process = Process()
            process.executableURL = Binary.url
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.environment = Binary.childEnvironment(environment)
            stderrURL = directory.appendingPathComponent("background-\(UUID().uuidString).stderr")
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

        /// Waits until stderr contains `text` (or the process ends, or `timeout` passes).
        public func wait(for text: String, timeout: TimeInterval = 60) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        /// SIGKILL, then wait for it to be gone.
        public func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
