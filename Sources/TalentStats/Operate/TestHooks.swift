import Foundation

/// Fault injection for the end-to-end tests of unattended operation, read from the environment
/// variable `TALENTSTATS_TEST_HOOK` (`fail:STAGE` or `pause:STAGE:SECONDS`). Without the variable
/// it does nothing. Stages: `after-survey` (a file's encoding checked, not yet parsed),
/// `before-publish` (outputs half written in the staging folder) and `before-commit` (every output
/// written, not yet swapped in). A value naming no known action or no stage reached is ignored, and
/// a pause of other than 0–3600 seconds lasts 30 seconds.
enum TestHooks {
    struct InjectedFailure: Error, CustomStringConvertible {
        let stage: String
        var description: String { "injected failure at \(stage) (TALENTSTATS_TEST_HOOK)" }
    }

    static func reach(_ stage: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let hook = environment["TALENTSTATS_TEST_HOOK"] else { return }
        let parts = hook.split(separator: ":").map(String.init)
        guard parts.count >= 2, parts[1] == stage else { return }
        switch parts[0] {
        case "fail":
            throw InjectedFailure(stage: stage)
        case "pause":
            let seconds = parts.count > 2 ? Double(parts[2]).flatMap { (0...3600).contains($0) ? $0 : nil } ?? 30 : 30
            FileHandle.standardError.write(Data("talentstats: paused at \(stage)\n".utf8))
            Thread.sleep(forTimeInterval: seconds)
        default:
            return
        }
    }
}
