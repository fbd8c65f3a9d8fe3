import Foundation

/// Fault injection for the end-to-end tests of unattended operation, read from the environment
/// variable `TALENTSTATS_TEST_HOOK`: one or more comma-separated hooks, each `fail:STAGE`,
/// `pause:STAGE:SECONDS`, `no-rename-exchange` (publish as on a file system without
/// `renameat2(RENAME_EXCHANGE)`) or `parallel-min-bytes:N` (read files of N bytes or more on two
/// threads, one reading and one key-checking: ``Intake``). Without the variable it does nothing. Stages: `after-survey` (a
/// file's encoding checked, not yet parsed; pause only, as ingest does not fail a run),
/// `before-publish` (outputs half written in the staging folder), `before-commit` (every output written, not yet swapped in) and `between-renames` (the
/// fallback's previous report moved aside, the new one not yet in place).
/// A value naming no known action or no stage reached is ignored, and a pause of other than
/// 0–3600 seconds lasts 30 seconds.
enum TestHooks {
    struct InjectedFailure: Error, CustomStringConvertible {
        let stage: String
        var description: String { "injected failure at \(stage) (TALENTSTATS_TEST_HOOK)" }
    }

    static func reach(_ stage: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        for hook in hooks(environment) {
            let parts = hook.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts[1] == stage else { continue }
            switch parts[0] {
            case "fail":
                throw InjectedFailure(stage: stage)
            case "pause":
                let seconds =
                    parts.count > 2 ? Double(parts[2]).flatMap { (0...3600).contains($0) ? $0 : nil } ?? 30 : 30
                FileHandle.standardError.write(Data("talentstats: paused at \(stage)\n".utf8))
                Thread.sleep(forTimeInterval: seconds)
            default:
                continue
            }
        }
    }

    /// Whether a hook without a stage (`no-rename-exchange`) is set.
    static func isSet(_ flag: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        hooks(environment).contains(flag)
    }

    /// The number given by a `NAME:N` hook (`parallel-min-bytes:1` reads files of at least one
    /// byte on two threads, so that end-to-end tests exercise the parallel path on small inputs).
    static func number(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        for hook in hooks(environment) {
            let parts = hook.split(separator: ":").map(String.init)
            if parts.count == 2, parts[0] == name, let n = Int(parts[1]), n > 0 { return n }
        }
        return nil
    }

    private static func hooks(_ environment: [String: String]) -> [String] {
        let value = environment["TALENTSTATS_TEST_HOOK"] ?? ""
        return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
