import ArgumentParser
import Foundation
import TalentStats

extension Talentstats {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest and validate only: print the row accounting and findings, write nothing.")

        @OptionGroup var common: CommonOptions

        func run() throws {
            let settings = try common.resolve(common.flags)
            let logger = try common.makeLogger(settings)
            do {
                let computed = try Pipeline(
                    options: settings.options, logger: logger, progress: common.progressDisplay()
                ).compute()
                let v = computed.validated
                let t = v.totals
                print("period: \(settings.options.period)")
                print(
                    "files: \(v.files.count) listed = \(v.filesUsed) used + \(v.filesRejected) rejected + \(v.filesNotRead) not read"
                )
                print(
                    "observations: \(t.read) read = \(t.used) used + \(t.rejected) rejected + \(t.outOfScope) out of scope + \(t.superseded) superseded"
                )
                for r in v.rejections.prefix(1000) { print("\(r.file):\(r.line): \(r.code.rawValue): \(r.message)") }
                if v.rejectionCount > 1000 {
                    print(
                        "… and \(v.rejectionCount - 1000) more rejections (all of them are in rejects.csv of a report run)"
                    )
                }
                for m in computed.quality.missing {
                    let d = v.reference.districts[m.district]
                    print(
                        "missing \(settings.options.period): \(d.code) \(d.name): \(m.metrics.map { v.reference.metrics[$0].id }.joined(separator: ","))"
                    )
                }
                print("revisions: \(v.revisionCount), outliers: \(computed.quality.outliers.count)")
                throw QualityFindings.needsAttention(v, computed.quality) ? Status.findings : Status.clean
            } catch let failure as RunFailure {
                logger.error("\(failure.description)")
                throw Status.failed
            }
        }
    }
}
