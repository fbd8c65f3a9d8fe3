import ArgumentParser
import Foundation
import TalentStats

extension Talentstats {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build and publish the report for a month into OUTPUT/YYYY-MM/.")

        @OptionGroup var common: CommonOptions

        @Option(help: "Folder the report folders are published in. Default: output.")
        var output: String?

        @Option(help: "Publisher shown on the cover and in the document properties.")
        var organization: String?

        @Option(help: "Contact line shown on the cover.")
        var contact: String?

        @Option(
            name: .customLong("outlier-threshold"),
            help: "|环比| above this fraction is listed as an outlier. Default: 0.5.")
        var outlierThreshold: String?

        @Option(
            name: .customLong("provisional-months"),
            help: "How many of the latest months are provisional, marked [p] (0–12). Default: 1.")
        var provisionalMonths: Int?

        func run() throws {
            var flags = common.flags
            flags.output = output
            flags.organization = organization
            flags.contact = contact
            flags.outlierThreshold = outlierThreshold
            flags.provisionalMonths = provisionalMonths
            let settings = try common.resolve(flags)
            let logger = try common.makeLogger(settings)
            do {
                let pipeline = Pipeline(options: settings.options, logger: logger, progress: common.progressDisplay())
                let outcome = try pipeline.run()
                let workbook = outcome.folder.appendingPathComponent(Pipeline.workbookName(settings.options.period))
                    .path
                switch outcome {
                case .clean:
                    if !common.quiet { print("published \(workbook)") }
                    throw Status.clean
                case .findings:
                    print("published \(workbook) with data-quality findings: see rejects.csv and the 数据质量 sheets")
                    throw Status.findings
                }
            } catch let held as RunLock.Held {
                FileHandle.standardError.write(Data("talentstats: \(held)\n".utf8))
                throw Status.locked
            } catch let failure as RunFailure {
                logger.error("\(failure.description)")
                throw Status.failed
            }
        }
    }
}
