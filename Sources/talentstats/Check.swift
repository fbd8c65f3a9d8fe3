import ArgumentParser
import Foundation
import TalentStats

/// Options shared by `check` and `diff`.
struct ComparisonOptions: ParsableArguments {
    @Option(
        name: .customLong("abs-tol"),
        help: "Ratios may differ by this much (e.g. 0.000001). Amounts and counts must be equal.")
    var absoluteTolerance: String = "0"

    @Option(name: .customLong("rel-tol"), help: "Ratios may differ by this fraction of the old value (e.g. 0.001).")
    var relativeTolerance: String = "0"

    @Option(help: "Compare only these metrics (comma-separated ids).")
    var only: String?

    @Option(help: "Output: text, csv or json.")
    var format: String = "text"

    func validate() throws {
        guard tolerance != nil else {
            throw ValidationError("--abs-tol and --rel-tol take non-negative decimals such as 0.001")
        }
        guard RegressionReport.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be text, csv or json")
        }
    }

    var tolerance: Comparison.Tolerance? {
        guard let a = FixedDecimal(plain: Substring(absoluteTolerance)),
            let r = FixedDecimal(plain: Substring(relativeTolerance))
        else { return nil }
        return Comparison.Tolerance(absolute: a, relative: r)
    }

    var metrics: Set<String>? {
        only.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
    }
}

/// Exit statuses of `check` and `diff`.
enum CompareStatus {
    static let same = ExitCode(0)
    static let differs = ExitCode(1)
    /// A file to compare is unreadable or malformed, or the current figures could not be computed.
    static let cannotCompare = ExitCode(3)
}

func cannotCompare(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("talentstats: cannot compare: \(message)\n".utf8))
    return CompareStatus.cannotCompare
}

extension Talentstats {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Recompute a period's figures from the current input and compare them with what was published.",
            discussion:
                "By default the baseline is the latest release of the period (--period, else the latest release) in the release store of --output; --baseline compares with an aggregates.csv instead. Exit status: 0 equal within tolerance; 1 differences; 3 the baseline or current figures cannot be read or computed; 64 usage."
        )

        @Option(help: "A baseline aggregates.csv (e.g. baselines/2024-11.csv) instead of the latest release.")
        var baseline: String?

        @Option(help: "Folder the report folders and their release store are in. Default: output.")
        var output: String?

        @Option(help: "Compare this aggregates.csv instead of recomputing from the input.")
        var current: String?

        @OptionGroup var common: CommonOptions
        @OptionGroup var comparison: ComparisonOptions

        func run() throws {
            var flags = common.flags
            flags.output = output
            var baselineFile: AggregateFile
            var baselineInputs: [String: String]?
            let baselineName: String
            if let baseline {
                do {
                    baselineFile = try AggregateFile.load(URL(fileURLWithPath: baseline))
                } catch let error as AggregateFileError {
                    throw cannotCompare("baseline \(error)")
                }
                baselineName = baseline
            } else {
                // The latest release of the period (or the latest of all) in the release store.
                let storeSettings = try common.resolve(flags)
                let store: ReleaseStore?
                do { store = try ReleaseStore.open(output: storeSettings.options.output, forWriting: false) } catch {
                    throw cannotCompare("\(error)")
                }
                let wanted = common.period.flatMap(YearMonth.init(parsing:))
                guard let store, let release = try store.releases(period: wanted).last else {
                    throw cannotCompare(
                        "no release\(wanted.map { " of \($0)" } ?? "") in \(storeSettings.options.output.path); run `talentstats report` first, or pass --baseline FILE"
                    )
                }
                baselineFile = try store.figures(of: release.id)
                var inputs: [String: String] = [:]
                for i in try store.inputs(of: release.id) { inputs[i.path] = i.sha256 }
                baselineInputs = inputs
                baselineName = "release \(release.id) (\(release.period), published \(release.publishedAt))"
            }
            // The period defaults to the baseline's own: the figures it published, recomputed now.
            if flags.period == nil { flags.period = baselineFile.reportPeriod?.description }
            let settings = try common.resolve(flags)
            let period = settings.options.period.description
            var currentFile: AggregateFile
            var explanations: [AggregateKey: [String]] = [:]
            var inputChanges: InputChanges?
            var reference: ReferenceData? = try? ReferenceData.load(
                from: settings.options.input.appendingPathComponent("reference"))
            var comparisonResult: Comparison
            let tolerance = comparison.tolerance!
            // Figures of later periods than the baseline's are not in it: compare up to its period.
            let inScope: (String) -> Bool = { $0.prefix(7) <= period.prefix($0.count == 4 ? 4 : 7) }
            if let current {
                do { currentFile = try AggregateFile.load(URL(fileURLWithPath: current)) } catch let error
                    as AggregateFileError
                {
                    throw cannotCompare("current \(error)")
                }
                comparisonResult = Comparison(
                    old: baselineFile, new: currentFile, tolerance: tolerance, metrics: comparison.metrics,
                    periods: inScope)
            } else {
                let logger = try common.makeLogger(settings)
                let computed: Computed
                do {
                    computed = try Pipeline(options: settings.options, logger: logger).compute()
                } catch let failure as RunFailure {
                    throw cannotCompare("the current figures for \(period): \(failure)")
                }
                reference = computed.validated.reference
                currentFile = AggregateFile(
                    computed.aggregates, path: "recomputed from \(settings.options.input.path) for \(period)")
                comparisonResult = Comparison(
                    old: baselineFile, new: currentFile, tolerance: tolerance, metrics: comparison.metrics,
                    periods: inScope)
                var explainer = Explainer(validated: computed.validated)
                explanations = explainer.explain(comparisonResult.differences)
                var files: [String: String] = [:]
                for f in computed.validated.files { files[f.facts.file.relativePath] = f.facts.sha256 }
                if let baselineInputs {
                    inputChanges = InputChanges.between(old: baselineInputs, current: files)
                } else if let baseline {
                    let base = URL(fileURLWithPath: baseline)
                    let manifests = [
                        base.deletingPathExtension().appendingPathExtension("manifest.json"),
                        base.deletingLastPathComponent().appendingPathComponent("manifest.json"),
                    ]
                    inputChanges =
                        manifests.lazy.compactMap { InputChanges.between(manifest: $0, current: files) }.first
                }
            }
            let report = RegressionReport(
                comparison: comparisonResult, reference: reference, explanations: explanations,
                inputChanges: inputChanges, baseline: baselineName, current: currentFile.path)
            print(try report.render(RegressionReport.Format(rawValue: comparison.format)!), terminator: "")
            throw comparisonResult.isClean ? CompareStatus.same : CompareStatus.differs
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two releases, or two published aggregates.csv files.",
            discussion:
                "An argument of digits only is a release id in the release store of --output (write ./NAME for a file named so). Exit status: 0 equal within tolerance; 1 differences; 3 a file or release cannot be read; 64 usage."
        )

        @Argument(help: "The older release id or aggregates.csv.")
        var old: String

        @Argument(help: "The newer release id or aggregates.csv.")
        var new: String

        @Option(help: "Folder holding reference/ (for district and metric names). Default: input.")
        var input: String = "input"

        @Option(help: "Folder the release store (releases.sqlite) is in, for release ids. Default: output.")
        var output: String = "output"

        @OptionGroup var comparison: ComparisonOptions

        func run() throws {
            var files: [AggregateFile] = []
            var releaseInputs: [[String: String]] = []
            for argument in [old, new] {
                if let id = Int(argument), argument.allSatisfy(\.isASCII) {
                    let store: ReleaseStore?
                    do { store = try ReleaseStore.open(output: URL(fileURLWithPath: output), forWriting: false) } catch
                    {
                        throw cannotCompare("\(error)")
                    }
                    guard let store, try store.release(id) != nil else {
                        throw cannotCompare(
                            "no release \(id) in \(output); see `talentstats releases --output \(output)`")
                    }
                    files.append(try store.figures(of: id))
                    var inputs: [String: String] = [:]
                    for i in try store.inputs(of: id) { inputs[i.path] = i.sha256 }
                    releaseInputs.append(inputs)
                } else {
                    do { files.append(try AggregateFile.load(URL(fileURLWithPath: argument))) } catch let error
                        as AggregateFileError
                    {
                        throw cannotCompare("\(error)")
                    }
                }
            }
            let result = Comparison(
                old: files[0], new: files[1], tolerance: comparison.tolerance!, metrics: comparison.metrics)
            let reference = try? ReferenceData.load(
                from: URL(fileURLWithPath: input).appendingPathComponent("reference"))
            // Report folders keep a manifest beside aggregates.csv: say which input files changed.
            var changes: InputChanges?
            if releaseInputs.count == 2 {
                changes = InputChanges.between(old: releaseInputs[0], current: releaseInputs[1])
            }
            let newManifest = URL(fileURLWithPath: new).deletingLastPathComponent().appendingPathComponent(
                "manifest.json")
            if changes == nil, let data = FileManager.default.contents(atPath: newManifest.path),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let inputs = json["inputs"] as? [[String: Any]]
            {
                var current: [String: String] = [:]
                for i in inputs { if let p = i["path"] as? String { current[p] = i["sha256"] as? String ?? "" } }
                changes = InputChanges.between(
                    manifest: URL(fileURLWithPath: old).deletingLastPathComponent().appendingPathComponent(
                        "manifest.json"), current: current)
            }
            let report = RegressionReport(
                comparison: result, reference: reference, inputChanges: changes, baseline: files[0].path,
                current: files[1].path)
            print(try report.render(RegressionReport.Format(rawValue: comparison.format)!), terminator: "")
            throw result.isClean ? CompareStatus.same : CompareStatus.differs
        }
    }

    struct Baseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage baselines of reviewed reports.",
            subcommands: [Accept.self])

        struct Accept: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Copy a reviewed report's aggregates.csv (and manifest.json) to BASELINES/YYYY-MM.csv.")

            @OptionGroup var common: CommonOptions

            @Option(help: "Folder the report folders are in. Default: output.")
            var output: String?

            @Option(help: "Folder of baselines. Default: baselines.")
            var baselines: String = "baselines"

            @Flag(help: "Replace an existing baseline for the period.")
            var force = false

            func run() throws {
                var flags = common.flags
                flags.output = output
                let settings = try common.resolve(flags)
                let period = settings.options.period.description
                let source = settings.options.output.appendingPathComponent(period)
                let folder = URL(fileURLWithPath: baselines)
                let target = folder.appendingPathComponent("\(period).csv")
                let manifestTarget = folder.appendingPathComponent("\(period).manifest.json")
                do {
                    _ = try AggregateFile.load(source.appendingPathComponent("aggregates.csv"))
                } catch let error as AggregateFileError {
                    throw fail(
                        "no usable report to accept for \(period): \(error); run `talentstats report --period \(period)` first"
                    )
                }
                if FileManager.default.fileExists(atPath: target.path) && !force {
                    throw fail("\(target.path) exists; a baseline is replaced only with --force")
                }
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    for (from, to) in [
                        (source.appendingPathComponent("aggregates.csv"), target),
                        (source.appendingPathComponent("manifest.json"), manifestTarget),
                    ] {
                        let data = try Data(contentsOf: from)
                        try data.write(to: to, options: .atomic)
                    }
                } catch {
                    throw fail("cannot write the baseline: \(error.localizedDescription)")
                }
                print("accepted \(source.path) as \(target.path)")
            }
        }
    }
}
