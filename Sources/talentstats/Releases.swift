import ArgumentParser
import Foundation
import TalentStats

/// Opens the release store of the output folder the settings name, for reading; prints why not and
/// exits 1 when it cannot be read (a missing store is `nil`).
func openReleaseStore(_ settings: RunSettings) throws -> ReleaseStore? {
    do {
        return try ReleaseStore.open(output: settings.options.output, forWriting: false)
    } catch let failure as ReleaseStore.Failure {
        throw fail(failure.description)
    }
}

extension Talentstats {
    struct Releases: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the releases published into an output folder (its releases.sqlite).",
            discussion: "Exit status: 0 listed (possibly none); 1 the release store cannot be read; 64 usage.")

        @Option(help: "Folder the report folders are published in. Default: output.")
        var output: String?

        @Option(help: "Only the releases of this report month, YYYY-MM.")
        var period: String?

        @Option(help: "Configuration file (TOML). Default: ./talentstats.toml when it exists.")
        var config: String?

        func validate() throws {
            if let period, YearMonth(parsing: period) == nil {
                throw ValidationError("--period '\(period)' is not a month; expected YYYY-MM, e.g. 2024-12")
            }
        }

        func run() throws {
            var flags = CommandLineSettings()
            flags.config = config
            flags.output = output
            let settings = try CommonOptions.resolve(flags)
            guard let store = try openReleaseStore(settings) else {
                print("no releases in \(settings.options.output.path) (no \(ReleaseStore.fileName) yet)")
                return
            }
            let releases: [ReleaseStore.Release]
            do { releases = try store.releases(period: period.flatMap(YearMonth.init(parsing:))) } catch {
                throw fail(
                    "cannot read \(settings.options.output.appendingPathComponent(ReleaseStore.fileName).path): \(error)"
                )
            }
            print("id\tperiod\tpublished_at\tfigures\trevised\ttool")
            for r in releases {
                print("\(r.id)\t\(r.period)\t\(r.publishedAt)\t\(r.figures)\t\(r.revised)\t\(r.toolVersion)")
            }
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one release of the release store.", subcommands: [Show.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a release: when and from what it was published, and the figures it marked.",
                discussion:
                    "With --figures, print every figure it published as aggregates.csv; with --flags, its flags.csv. Exit status: 0 shown; 1 no such release or the store cannot be read; 64 usage."
            )

            @Argument(help: "The release id (see `talentstats releases`).")
            var id: Int

            @Option(help: "Folder the report folders are published in. Default: output.")
            var output: String?

            @Option(help: "Configuration file (TOML). Default: ./talentstats.toml when it exists.")
            var config: String?

            @Flag(help: "Print every figure the release published, as aggregates.csv.")
            var figures = false

            @Flag(help: "Print the release's marks, as flags.csv.")
            var flags = false

            func run() throws {
                var settingsFlags = CommandLineSettings()
                settingsFlags.config = config
                settingsFlags.output = output
                let settings = try CommonOptions.resolve(settingsFlags)
                guard let store = try openReleaseStore(settings), let release = try store.release(id) else {
                    throw fail("no release \(id) in \(settings.options.output.path); see `talentstats releases`")
                }
                if figures {
                    let file = try store.figures(of: id)
                    print("period,district_code,metric,measure,value")
                    for key in file.values.keys.sorted(by: AggregateKey.byteOrder) {
                        print(
                            "\(key.period),\(key.districtCode),\(key.metric),\(key.measure.rawValue),\(file.values[key]!)"
                        )
                    }
                    return
                }
                let marks = try store.flags(of: id)
                if flags {
                    print("period,district_code,metric,measure,flag,previous_value,previous_release")
                    for f in marks {
                        let k = f.key
                        print(
                            "\(k.period),\(k.districtCode),\(k.metric),\(k.measure.rawValue),\(f.kind.rawValue),\(f.previousValue?.description ?? ""),\(f.previousRelease.map(String.init) ?? "")"
                        )
                    }
                    return
                }
                print(
                    "release \(release.id): report period \(release.period), published \(release.publishedAt) by talentstats \(release.toolVersion)"
                )
                print(
                    "folder: \(settings.options.output.appendingPathComponent(release.folder).path) (manifest.json SHA-256 \(release.manifestSHA256))"
                )
                print(
                    "figures: \(release.figures); revised: \(release.revised); provisional months: \(release.provisionalMonths)"
                )
                let counts = Dictionary(grouping: marks, by: \.kind).mapValues(\.count)
                print(
                    "flags: "
                        + FigureMarks.Kind.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
                let inputs = try store.inputs(of: id)
                print("inputs (\(inputs.count)):")
                for i in inputs { print("  \(i.path)\t\(i.status)\t\(i.bytes) bytes\tsha256 \(i.sha256)") }
                let revised = marks.filter { $0.kind == .revised }
                if !revised.isEmpty {
                    print("revised figures (\(revised.count)):")
                    for f in revised.prefix(50) {
                        print(
                            "  \(f.key.period) \(f.key.districtCode) \(f.key.metric) \(f.key.measure.rawValue): \(f.previousValue?.description ?? "?") in release \(f.previousRelease.map(String.init) ?? "?")"
                        )
                    }
                    if revised.count > 50 { print("  … and \(revised.count - 50) more (--flags lists them all)") }
                }
            }
        }
    }
}
