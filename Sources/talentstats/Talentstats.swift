import ArgumentParser
import Foundation
import Logging
import TalentStats

/// The command line: argument parsing and exit statuses only; the work is in TalentStats.
@main
struct Talentstats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "talentstats",
        abstract: "Turns districts' monthly talent counts into the city's statistical report.",
        discussion: """
            Exit status: 0 published and clean; 2 published with data-quality findings (rejected rows \
            or files, districts missing for the report month); 1 failed, nothing published; 64 usage error.
            """,
        version: talentstatsVersion,
        subcommands: [Report.self, Validate.self],
        defaultSubcommand: Report.self
    )
}

/// Exit statuses (documented in the README).
enum Status {
    static let clean = ExitCode(0)
    static let failed = ExitCode(1)
    static let findings = ExitCode(2)
}

/// Options shared by every subcommand.
struct CommonOptions: ParsableArguments {
    @Option(help: "Folder holding raw/ and reference/.")
    var input: String = "input"

    @Option(help: "The report month, YYYY-MM.")
    var period: String

    @Flag(name: [.short, .long], help: "Log warnings and errors only.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Log debug detail.")
    var verbose = false

    func validate() throws {
        guard YearMonth(parsing: period) != nil else {
            throw ValidationError("--period '\(period)' is not a month; expected YYYY-MM, e.g. 2024-12")
        }
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
    }

    var reportPeriod: YearMonth { YearMonth(parsing: period)! }

    func makeLogger() -> Logger {
        var logger = Logger(label: "talentstats") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = quiet ? .warning : verbose ? .debug : .info
        return logger
    }
}

/// Prints a one-line failure to stderr and returns the failure status.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("talentstats: error: \(message)\n".utf8))
    return Status.failed
}
