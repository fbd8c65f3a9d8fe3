import ArgumentParser
import Foundation
import TalentStats

extension Talentstats {
    struct Template: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the month's Excel forms for the districts to fill in (one .xlsx a district).",
            discussion: """
                Each form is OUTPUT/YYYY-MM/YYYY-MM-<district>.xlsx: the period, district, metrics, kinds \
                and units filled in and locked, the value and 备注 cells open and validated, the figure \
                last published beside each value (from the latest report under --reports), and a hidden \
                marker that talentstats checks when the form comes back under raw/. With --enterprise, a second \
                sheet 企业明细 takes one row per enterprise (credit code checked); a metric given there is \
                the sum of its rows, and its 填报表 value must be that sum or empty.
                """)

        @OptionGroup var common: CommonOptions

        @Option(help: "Write the form of this district only (its code, name or short name).")
        var district: String?

        @Option(help: "Folder the forms are written in (under YYYY-MM/). Default: forms.")
        var output: String = "forms"

        @Option(help: "Folder of the published reports, for the last published figures. Default: the report output.")
        var reports: String?

        @Option(name: .customLong("deadline-day"), help: "Day of the following month the returns are due. Default: 5.")
        var deadlineDay: Int?

        @Flag(help: "Add the sheet 企业明细 for enterprise-level rows (credit code, name, a value per metric).")
        var enterprise = false

        func run() throws {
            var flags = common.flags
            flags.output = reports
            flags.deadlineDay = deadlineDay
            let settings = try common.resolve(flags)
            let options = settings.options
            let reference: ReferenceData
            do {
                reference = try ReferenceData.load(from: options.input.appendingPathComponent("reference"))
            } catch {
                throw fail("\(error)")
            }
            var districts = reference.districts
            if let wanted = district {
                guard let i = reference.district(matching: wanted) else {
                    FileHandle.standardError.write(
                        Data("talentstats: error: --district '\(wanted)' is not in districts.csv\n".utf8))
                    throw Status.usage
                }
                districts = [reference.districts[i]]
            }
            let folder = URL(fileURLWithPath: output).appendingPathComponent(options.period.description)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw fail("cannot create \(folder.path): \(error)")
            }
            let published = PublishedReference.latest(in: options.output, before: options.period)
            let due = options.period.next
            let deadline = "\(due.year)年\(due.month)月\(options.deadlineDay)日"
            for d in districts {
                let url = folder.appendingPathComponent(FormTemplate.fileName(period: options.period, district: d))
                do {
                    try FormTemplate.write(
                        district: d, period: options.period, reference: reference, published: published,
                        deadline: deadline, organization: options.organization, enterprise: enterprise, to: url)
                } catch {
                    throw fail("cannot write \(url.path): \(error)")
                }
                print(url.path)
            }
            if common.quiet { return }
            FileHandle.standardError.write(
                Data(
                    "talentstats: \(districts.count) forms for \(options.period) in \(folder.path)\(published.map { " (last published figures: \($0.period))" } ?? " (no report published before \(options.period))")\n"
                        .utf8))
        }
    }
}
