import ArgumentParser
import Foundation
import TalentStats

extension Talentstats {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest and validate only: print the row accounting and findings, write nothing.")

        @OptionGroup var common: CommonOptions

        func run() throws {
            let options = RunOptions(input: URL(fileURLWithPath: common.input), output: URL(fileURLWithPath: "/nonexistent"), period: common.reportPeriod)
            do {
                let computed = try Pipeline(options: options, logger: common.makeLogger()).compute()
                let v = computed.validated
                let t = v.totals
                print("files: \(v.files.count) read = \(v.files.count - v.filesRejected) used + \(v.filesRejected) rejected")
                print("observations: \(t.read) read = \(t.used) used + \(t.rejected) rejected + \(t.outOfScope) out of scope + \(t.superseded) superseded")
                for r in v.rejections { print("\(r.file):\(r.line): \(r.code.rawValue): \(r.message)") }
                for m in computed.quality.missing {
                    let d = v.reference.districts[m.district]
                    print("missing \(common.reportPeriod): \(d.code) \(d.name): \(m.metrics.map { v.reference.metrics[$0].id }.joined(separator: ","))")
                }
                throw QualityFindings.needsAttention(v, computed.quality) ? Status.findings : Status.clean
            } catch let failure as RunFailure {
                throw fail(failure.description)
            }
        }
    }
}
