import ArgumentParser
import Foundation
import TalentStats

extension Talentstats {
    struct CollectionReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Print the report month's 报送情况: who sent what and when, who is missing or late.",
            discussion: """
                Reads and checks raw/ as a report run does, and writes nothing. Exit status 0 when every \
                district's return is complete and on time, 2 when one is missing, incomplete or late, 1 \
                when the input cannot be read.
                """)

        @OptionGroup var common: CommonOptions

        @Option(name: .customLong("deadline-day"), help: "Day of the following month the returns are due. Default: 5.")
        var deadlineDay: Int?

        func run() throws {
            var flags = common.flags
            flags.deadlineDay = deadlineDay
            let settings = try common.resolve(flags)
            var quiet = common
            quiet.quiet = true
            let logger = try (common.verbose ? common : quiet).makeLogger(settings)
            let computed: Computed
            do {
                computed = try Pipeline(options: settings.options, logger: logger, progress: nil).compute(
                    requireReportPeriod: false)
            } catch let failure as RunFailure {
                logger.error("\(failure.description)")
                throw Status.failed
            }
            let status = computed.collection
            let reference = computed.validated.reference
            let zone = settings.options.timeZone
            let counts = [
                "\(status.entries.filter { $0.state == .complete }.count) complete",
                "\(status.entries.filter { $0.state == .incomplete }.count) incomplete",
                "\(status.missing) missing", "\(status.rejected) rejected", "\(status.late) late",
            ]
            print(
                "报送情况 \(status.period): due \(CollectionStatus.format(status.deadline, timeZone: zone)) (\(zone.identifier)); \(counts.joined(separator: ", "))"
            )
            for e in status.entries {
                let d = reference.districts[e.district]
                let state = e.state.rawValue + (e.late && e.state != .missing ? ", late" : "")
                let name = d.name.padding(toLength: max(d.name.count, 8), withPad: "　", startingAt: 0)
                var line = "\(d.code) \(name) \(e.chinese)  [\(state)]"
                if !e.missingMetrics.isEmpty {
                    line += " missing " + e.missingMetrics.map { reference.metrics[$0].id }.joined(separator: ",")
                }
                print(line)
                for s in e.sent {
                    let when = s.modified.map { CollectionStatus.format($0, timeZone: zone) } ?? "-"
                    let rejected = s.rejected > 0 ? ", \(s.rejected) rejected" : ""
                    print("    \(s.path) (\(s.kind), \(when), \(s.used) used\(rejected))")
                }
            }
            let attention = status.entries.contains { $0.state != .complete || $0.late }
            throw attention ? Status.findings : Status.clean
        }
    }
}
