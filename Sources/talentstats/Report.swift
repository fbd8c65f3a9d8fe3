import ArgumentParser
import Foundation
import TalentStats

extension Talentstats {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build and publish the report for a month into OUTPUT/YYYY-MM/.")

        @OptionGroup var common: CommonOptions

        @Option(help: "Folder the report folders are published in.")
        var output: String = "output"

        @Option(help: "Publisher shown on the cover and in the document properties.")
        var organization: String?

        func run() throws {
            var options = RunOptions(input: URL(fileURLWithPath: common.input), output: URL(fileURLWithPath: output), period: common.reportPeriod)
            options.organization = organization
            let logger = common.makeLogger()
            do {
                let outcome = try Pipeline(options: options, logger: logger).run()
                let workbook = outcome.folder.appendingPathComponent(Pipeline.workbookName(common.reportPeriod)).path
                switch outcome {
                case .clean:
                    print("published \(workbook)")
                    throw Status.clean
                case .findings:
                    print("published \(workbook) with data-quality findings: see rejects.csv and the 数据质量 sheets")
                    throw Status.findings
                }
            } catch let failure as RunFailure {
                throw fail(failure.description)
            }
        }
    }
}
