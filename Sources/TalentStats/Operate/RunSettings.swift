import Foundation

/// What the command line says; `nil` means "not given".
public struct CommandLineSettings: Sendable {
    public var config: String?
    public var input: String?
    public var output: String?
    public var period: String?
    public var timeZone: String?
    public var organization: String?
    public var contact: String?
    public var outlierThreshold: String?
    public var deadlineDay: Int?
    public var provisionalMonths: Int?
    public var logFile: String?
    public var maxRecordBytes: Int?
    public var maxFileBytes: Int?

    public init() {}
}

/// The settings of one run after flags, configuration file and defaults are combined.
public struct RunSettings: Sendable {
    public var options: RunOptions
    public var logFile: String?
    public var timeZone: TimeZone
    /// Where the settings came from, for the log.
    public var configFile: String?
    /// True when no period was given and the previous month was taken.
    public var periodIsDefault: Bool

    /// The configuration file looked for when `--config` is not given.
    public static let defaultConfigName = "talentstats.toml"

    /// Flags override the file; the file overrides the defaults.
    /// - Throws: ``ConfigurationError`` for a bad file or a bad value.
    public static func resolve(
        _ flags: CommandLineSettings, now: Date,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> RunSettings {
        // Relative paths resolve against folders, which URL needs to be told are folders.
        let workingDirectory = URL(fileURLWithPath: workingDirectory.path, isDirectory: true)
        var configFile: URL?
        if let path = flags.config {
            configFile = URL(fileURLWithPath: path, relativeTo: workingDirectory)
        } else {
            let candidate = workingDirectory.appendingPathComponent(defaultConfigName)
            if FileManager.default.fileExists(atPath: candidate.path) { configFile = candidate }
        }
        let config = try configFile.map(Configuration.load(from:)) ?? Configuration()
        func bad(_ message: String) -> ConfigurationError {
            ConfigurationError(file: "command line", line: nil, message: message)
        }

        let zoneName = flags.timeZone ?? config.timeZone ?? Schedule.defaultTimeZone
        guard let timeZone = TimeZone(identifier: zoneName) else {
            throw bad("--time-zone '\(zoneName)' is not a time zone; expected e.g. Asia/Shanghai")
        }

        let period: YearMonth
        if let text = flags.period {
            guard let parsed = YearMonth(parsing: text) else {
                throw bad("--period '\(text)' is not a month; expected YYYY-MM, e.g. 2024-12")
            }
            period = parsed
        } else {
            period = Schedule.previousMonth(now: now, timeZone: timeZone)
        }
        // Paths in the configuration file are relative to the file's folder.
        let base =
            configFile.map { URL(fileURLWithPath: $0.deletingLastPathComponent().path, isDirectory: true) }
            ?? workingDirectory
        func path(_ flag: String?, _ fromFile: String?, _ fallback: String) -> URL {
            if let flag { return URL(fileURLWithPath: flag, relativeTo: workingDirectory).standardizedFileURL }
            if let fromFile { return URL(fileURLWithPath: fromFile, relativeTo: base).standardizedFileURL }
            return URL(fileURLWithPath: fallback, relativeTo: workingDirectory).standardizedFileURL
        }
        var options = RunOptions(
            input: path(flags.input, config.input, "input"), output: path(flags.output, config.output, "output"),
            period: period)
        options.organization = flags.organization ?? config.organization
        options.contact = flags.contact ?? config.contact ?? ""
        // Both are printed on the cover and in the document properties; the organization also in
        // every page footer, where Excel allows 255 characters in all and `&` is written `&&`.
        for (name, value, limit) in [
            ("organization", options.organization ?? "", 200), ("contact", options.contact, 500),
        ] {
            // Code points, as Excel and libxlsxwriter count them (not grapheme clusters).
            let length =
                value.unicodeScalars.count
                + (name == "organization" ? value.unicodeScalars.filter { $0 == "&" }.count : 0)
            guard length <= limit else {
                throw bad(
                    "--\(name) / \(name) has \(length) characters\(name == "organization" && value.contains("&") ? " (each & counts twice)" : ""); "
                        + "at most \(limit) fit the cover and the page footer")
            }
        }
        options.timeZone = timeZone
        if let day = flags.deadlineDay ?? config.deadlineDay {
            guard (1...28).contains(day) else {
                throw bad("--deadline-day / deadline_day \(day) is not a day from 1 to 28 of the following month")
            }
            options.deadlineDay = day
        }
        if let text = flags.outlierThreshold {
            guard let value = FixedDecimal(plain: Substring(text)) else {
                throw bad("--outlier-threshold '\(text)' is not a fraction such as 0.5")
            }
            options.outlierThreshold = value
        } else if let value = config.outlierThreshold {
            options.outlierThreshold = value
        }
        if let months = flags.provisionalMonths ?? config.provisionalMonths {
            guard (0...12).contains(months) else {
                throw bad("--provisional-months / provisional_months \(months) is not a number of months from 0 to 12")
            }
            options.provisionalMonths = months
        }
        if config.disclosureMinEnterprises != nil || config.disclosureDominanceN != nil
            || config.disclosureDominanceK != nil
        {
            let defaults = DisclosurePolicy()
            options.disclosure = DisclosurePolicy(
                minimumEnterprises: config.disclosureMinEnterprises ?? defaults.minimumEnterprises,
                dominanceN: config.disclosureDominanceN ?? defaults.dominanceN,
                dominanceK: config.disclosureDominanceK ?? defaults.dominanceK)
        }
        let maxRecord = flags.maxRecordBytes ?? config.maxRecordBytes ?? IngestLimits.default.maxRecordBytes
        let maxFile = flags.maxFileBytes ?? config.maxFileBytes ?? IngestLimits.default.maxFileBytes
        guard maxRecord > 0, maxFile > 0 else { throw bad("--max-record-bytes and --max-file-bytes must be positive") }
        options.limits = IngestLimits(
            maxRecordBytes: maxRecord, maxFileBytes: maxFile,
            parallelMinBytes: TestHooks.number("parallel-min-bytes") ?? IngestLimits.default.parallelMinBytes)
        options.limits.workbookSheet = config.sheet
        let logFile =
            flags.logFile.map { URL(fileURLWithPath: $0, relativeTo: workingDirectory).path }
            ?? config.logFile.map { URL(fileURLWithPath: $0, relativeTo: base).path }
        return RunSettings(
            options: options, logFile: logFile, timeZone: timeZone, configFile: configFile?.path,
            periodIsDefault: flags.period == nil)
    }
}
