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
            or files, districts missing for the report month); 1 failed, nothing published; \
            64 usage or configuration error; 75 another run holds the lock.
            """,
        version: talentstatsVersion,
        subcommands: [
            Report.self, Validate.self, Check.self, Diff.self, Baseline.self, Template.self, CollectionReport.self,
            Releases.self, Release.self,
        ],
        defaultSubcommand: Report.self
    )
}

/// Exit statuses (documented in the README).
enum Status {
    static let clean = ExitCode(0)
    static let failed = ExitCode(1)
    static let findings = ExitCode(2)
    static let usage = ExitCode(64)
    /// EX_TEMPFAIL: try again later.
    static let locked = ExitCode(75)
}

/// Options shared by every subcommand.
struct CommonOptions: ParsableArguments {
    @Option(help: "Configuration file (TOML). Default: ./talentstats.toml when it exists.")
    var config: String?

    @Option(help: "Folder holding raw/ and reference/. Default: input.")
    var input: String?

    @Option(help: "The report month, YYYY-MM. Default: the previous calendar month in the office's time zone.")
    var period: String?

    @Option(
        name: .customLong("time-zone"), help: "IANA time zone deciding 'the previous month'. Default: Asia/Shanghai.")
    var timeZone: String?

    @Option(name: .customLong("log-file"), help: "Also append the log to this file.")
    var logFile: String?

    @Option(name: .customLong("max-record-bytes"), help: "Longest record accepted (bytes). Default: 1048576.")
    var maxRecordBytes: Int?

    @Option(name: .customLong("max-file-bytes"), help: "Largest input file accepted (bytes). Default: 8589934592.")
    var maxFileBytes: Int?

    @Flag(name: [.short, .long], help: "Log warnings and errors only.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Log debug detail.")
    var verbose = false

    func validate() throws {
        if let period, YearMonth(parsing: period) == nil {
            throw ValidationError("--period '\(period)' is not a month; expected YYYY-MM, e.g. 2024-12")
        }
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
        let environment = EnvironmentSettings.problems()
        if !environment.isEmpty { throw ValidationError(environment.joined(separator: "\n")) }
    }

    var flags: CommandLineSettings {
        var f = CommandLineSettings()
        f.config = config
        f.input = input
        f.period = period
        f.timeZone = timeZone
        f.logFile = logFile
        f.maxRecordBytes = maxRecordBytes
        f.maxFileBytes = maxFileBytes
        return f
    }

    /// Resolves the settings, or prints the configuration problem and exits 64.
    func resolve(_ flags: CommandLineSettings) throws -> RunSettings { try Self.resolve(flags) }

    /// The same, for commands that take only some of the common options.
    static func resolve(_ flags: CommandLineSettings) throws -> RunSettings {
        do {
            return try RunSettings.resolve(flags, now: Schedule.now())
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("talentstats: configuration error: \(error)\n".utf8))
            throw Status.usage
        }
    }

    func makeLogger(_ settings: RunSettings) throws -> Logger {
        // --quiet and --verbose set what reaches stderr; the log file always gets the stage lines.
        var fileHandler: FileLogHandler?
        if let path = settings.logFile {
            do {
                fileHandler = try FileLogHandler(label: "talentstats", path: path)
                fileHandler?.logLevel = verbose ? .debug : .info
            } catch {
                throw fail("cannot open the log file: \(error); check --log-file / log_file")
            }
        }
        var terminal = StreamLogHandler.standardError(label: "talentstats")
        terminal.logLevel = quiet ? .warning : verbose ? .debug : .info
        let logger = Logger(label: "talentstats") { _ in
            var handlers: [LogHandler] = [terminal]
            if let fileHandler { handlers.append(fileHandler) }
            return MultiplexLogHandler(handlers)
        }
        logger.debug(
            "settings: period \(settings.options.period)\(settings.periodIsDefault ? " (previous month in \(settings.timeZone.identifier))" : ""), input \(settings.options.input.path), output \(settings.options.output.path), config \(settings.configFile ?? "none")"
        )
        return logger
    }

    /// A progress line on a terminal only (never in cron mail or a log).
    func progressDisplay() -> ((IngestProgress) -> Void)? {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return nil }
        let start = Date()
        return { p in
            let mb = Double(p.bytesRead) / 1_048_576
            let total = Double(p.totalBytes) / 1_048_576
            let rate = mb / max(Date().timeIntervalSince(start), 0.001)
            let line = String(
                format: "\rreading %.1f/%.1f MB (%d/%d files) %.0f MB/s ", mb, total, p.filesDone, p.totalFiles, rate)
            FileHandle.standardError.write(Data(line.utf8))
            if p.filesDone == p.totalFiles { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}

/// Prints a one-line failure to stderr and returns the failure status.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("talentstats: error: \(message)\n".utf8))
    return Status.failed
}
