import Foundation
import SQLite

/// Every release a `report` run published, in an SQLite database beside the report folders
/// (`OUTPUT/releases.sqlite`): its period, time, tool version, input files and every figure it
/// published, with the marks it carried. Readable by any SQLite client (values are exact decimal
/// text, as in `aggregates.csv`); the schema is versioned by `PRAGMA user_version` and migrated
/// forward by ``migrations``.
///
/// **All or nothing with the report folder.** A run records its release as `pending` in one
/// transaction (every figure, flag and input), then swaps the report folder into place, then marks
/// the release `published`. The folder carries `release.json` naming its release. A run killed
/// before the swap leaves a pending row and the previous folder: the next opening for writing
/// deletes the row. Killed after the swap, the folder names the pending row: it is marked
/// published. Readers count a pending release as published only when its folder names it, so no
/// reader ever sees a release without its folder, or a folder whose release is missing.
public final class ReleaseStore {
    public static let fileName = "releases.sqlite"
    /// The name, in a report folder, of the file saying which release the folder is.
    public static let marker = "release.json"

    let database: Database
    /// The folder holding the report folders and the store.
    public let output: URL

    /// Schema migrations: the SQL that takes version `i` to `i + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE release (
            id INTEGER PRIMARY KEY,
            period TEXT NOT NULL,
            published_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'published')),
            folder TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            provisional_months INTEGER NOT NULL,
            figures INTEGER NOT NULL,
            revised INTEGER NOT NULL
        );
        CREATE TABLE release_input (
            release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (release_id, path)
        ) WITHOUT ROWID;
        CREATE TABLE figure (
            release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            district_code TEXT NOT NULL,
            metric TEXT NOT NULL,
            measure TEXT NOT NULL,
            value TEXT NOT NULL,
            first_release INTEGER NOT NULL,
            PRIMARY KEY (release_id, period, district_code, metric, measure)
        ) WITHOUT ROWID;
        CREATE TABLE flag (
            release_id INTEGER NOT NULL REFERENCES release(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            district_code TEXT NOT NULL,
            metric TEXT NOT NULL,
            measure TEXT NOT NULL,
            flag TEXT NOT NULL CHECK (flag IN ('revised', 'provisional', 'suppressed')),
            previous_value TEXT,
            previous_release INTEGER,
            PRIMARY KEY (release_id, period, district_code, metric, measure, flag)
        ) WITHOUT ROWID;
        """
    ]

    public static var schemaVersion: Int { migrations.count }

    /// Why the store cannot be used: the one line the operator reads.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// The disk is full (SQLITE_FULL).
        public let isFull: Bool
        init(_ description: String, isFull: Bool = false) {
            self.description = description
            self.isFull = isFull
        }
        init(_ what: String, _ error: Error, path: String) {
            let full = (error as? SQLiteError)?.isFull == true
            self.init(
                "\(what) \(path): \(error)" + (full ? "; free disk space and run again" : ""), isFull: full)
        }
    }

    /// Opens the store of `output`. For writing (a `report` run, which holds the run lock), it is
    /// created when missing, migrated, and pending releases are settled; for reading, a missing
    /// store is `nil` and nothing is written.
    public static func open(output: URL, forWriting: Bool) throws -> ReleaseStore? {
        let path = output.appendingPathComponent(fileName).path
        if !forWriting && !FileManager.default.fileExists(atPath: path) { return nil }
        do {
            // A reader opens the file read-write when it may (to roll back a killed writer's
            // journal), read-only otherwise; it writes nothing itself.
            let database: Database
            if forWriting {
                database = try Database(path: path, mode: .readWrite)
            } else if let existing = try? Database(path: path, mode: .existing) {
                database = existing
            } else {
                database = try Database(path: path, mode: .readOnly)
            }
            let store = ReleaseStore(database: database, output: output)
            let version = try database.userVersion()
            guard version <= schemaVersion else {
                throw Failure(
                    "\(path) has schema version \(version), newer than this talentstats (\(talentstatsVersion)) knows (\(schemaVersion)); use a newer talentstats"
                )
            }
            if forWriting {
                if version < schemaVersion { try store.migrate(from: version) }
                try store.settlePending()
            } else if version < schemaVersion {
                throw Failure(
                    "\(path) has schema version \(version); run `talentstats report` once to migrate it to \(schemaVersion)"
                )
            }
            return store
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("cannot use the release store", error, path: path)
        }
    }

    init(database: Database, output: URL) {
        self.database = database
        self.output = output
    }

    var path: String { database.path }

    private func migrate(from version: Int) throws {
        try database.transaction {
            for v in version..<Self.schemaVersion {
                try database.execute(Self.migrations[v])
                try database.execute("PRAGMA user_version = \(v + 1)")
            }
        }
    }

    // MARK: - Reading

    /// One release as listed.
    public struct Release: Sendable, Equatable {
        public let id: Int
        public let period: YearMonth
        public let publishedAt: String
        public let toolVersion: String
        public let folder: String
        public let manifestSHA256: String
        public let provisionalMonths: Int
        public let figures: Int
        public let revised: Int
    }

    /// The folder's marker: which release it is, or `nil`.
    func releaseNamed(byFolder folder: String) -> Int? {
        let url = output.appendingPathComponent(folder).appendingPathComponent(Self.marker)
        guard let data = FileManager.default.contents(atPath: url.path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return json["release"] as? Int
    }

    /// Published releases (and pending ones whose folder names them: the run was killed after the
    /// swap), oldest first, optionally of one period.
    public func releases(period: YearMonth? = nil) throws -> [Release] {
        let rows = try database.rows(
            """
            SELECT id, period, published_at, tool_version, folder, manifest_sha256, provisional_months, figures,
                   revised, status
            FROM release \(period == nil ? "" : "WHERE period = ?1") ORDER BY id
            """, period.map { [.text($0.description)] } ?? [])
        return rows.compactMap { r in
            let id = Int(r[0].integer ?? 0)
            let folder = r[4].text ?? ""
            if r[9].text != "published" && releaseNamed(byFolder: folder) != id { return nil }
            guard let period = r[1].text.flatMap(YearMonth.init(parsing:)) else { return nil }
            return Release(
                id: id, period: period, publishedAt: r[2].text ?? "", toolVersion: r[3].text ?? "", folder: folder,
                manifestSHA256: r[5].text ?? "", provisionalMonths: Int(r[6].integer ?? 0),
                figures: Int(r[7].integer ?? 0), revised: Int(r[8].integer ?? 0))
        }
    }

    public func release(_ id: Int) throws -> Release? { try releases().first { $0.id == id } }

    /// Every figure a release published.
    public func figures(of id: Int) throws -> AggregateFile {
        let statement = try database.prepare(
            "SELECT period, district_code, metric, measure, value FROM figure WHERE release_id = ?1")
        try statement.bind([.integer(Int64(id))])
        var values: [AggregateKey: FixedDecimal] = [:]
        while try statement.step() {
            let r = statement.row
            guard let measure = Measure(rawValue: r[3].text ?? ""),
                let value = FixedDecimal(signed: Substring(r[4].text ?? ""))
            else { throw Failure("\(path): release \(id) holds a figure that is not a measure and a decimal: \(r)") }
            values[
                AggregateKey(
                    period: r[0].text ?? "", districtCode: r[1].text ?? "", metric: r[2].text ?? "", measure: measure)] =
                value
        }
        return AggregateFile(path: "release \(id) (\(path))", values: values)
    }

    /// The marks a release carried, as `flags.csv` lists them.
    public func flags(of id: Int) throws -> [FigureMarks.Flag] {
        try database.rows(
            """
            SELECT period, district_code, metric, measure, flag, previous_value, previous_release FROM flag
            WHERE release_id = ?1 ORDER BY period, district_code, metric, measure, flag
            """, [.integer(Int64(id))]
        ).compactMap { r in
            guard let measure = Measure(rawValue: r[3].text ?? ""),
                let kind = FigureMarks.Kind(rawValue: r[4].text ?? "")
            else { return nil }
            return FigureMarks.Flag(
                key: AggregateKey(
                    period: r[0].text ?? "", districtCode: r[1].text ?? "", metric: r[2].text ?? "", measure: measure),
                kind: kind, previousValue: r[5].text.flatMap { FixedDecimal(signed: Substring($0)) },
                previousRelease: r[6].integer.map(Int.init))
        }
    }

    /// The input files a release was computed from.
    public func inputs(of id: Int) throws -> [(path: String, sha256: String, bytes: Int, status: String)] {
        try database.rows(
            "SELECT path, sha256, bytes, status FROM release_input WHERE release_id = ?1 ORDER BY path",
            [.integer(Int64(id))]
        ).map { ($0[0].text ?? "", $0[1].text ?? "", Int($0[2].integer ?? 0), $0[3].text ?? "") }
    }

    /// For each figure of `aggregates` that a published release holds (by its place in
    /// `aggregates.rows`): the value the latest of them published, that release (and its report
    /// period), and the first release that published the key. Reads the releases newest first, and
    /// only until every key is found (usually the latest alone). Held by row, not by key: beside the
    /// run's key index, a dictionary of text keys would be most of the run's memory above it.
    ///
    /// A year's figures (年度, 累计 of the year) are the same figure only between releases that
    /// cover the same months of that year (``FigureMarks/extent(of:in:)``): for those keys the
    /// latest release of the same extent as `report` is read, whatever was published in between
    /// (one indexed read a year; none when no earlier release covers the same months).
    public func latestPublished(for aggregates: Aggregates, report: YearMonth) throws -> [FigureMarks.Published?] {
        var result = [FigureMarks.Published?](repeating: nil, count: aggregates.rows.count)
        var missing = 0
        var annualYears: Set<String> = []
        for row in aggregates.rows {
            if row.key.measure.isAnnual { annualYears.insert(row.key.period) } else { missing += 1 }
        }
        let history = try releases()
        /// Reads a release's figures (of one period, or all); fills the rows still empty that
        /// `accept` takes; returns how many it filled.
        func read(_ release: Release, period: String?, accept: (AggregateKey) -> Bool) throws -> Int {
            let statement = try database.prepare(
                "SELECT period, district_code, metric, measure, value, first_release FROM figure WHERE release_id = ?1"
                    + (period == nil ? "" : " AND period = ?2"))
            try statement.bind([.integer(Int64(release.id))] + (period.map { [.text($0)] } ?? []))
            var filled = 0
            while try statement.step() {
                let r = statement.row
                guard let measure = Measure(rawValue: r[3].text ?? ""),
                    let value = FixedDecimal(signed: Substring(r[4].text ?? ""))
                else { continue }
                let key = AggregateKey(
                    period: r[0].text ?? "", districtCode: r[1].text ?? "", metric: r[2].text ?? "", measure: measure)
                guard accept(key), let i = aggregates.position(of: key), result[i] == nil else { continue }
                result[i] = FigureMarks.Published(
                    value: value, release: release.id, firstRelease: Int(r[5].integer ?? Int64(release.id)),
                    reportPeriod: release.period)
                filled += 1
            }
            return filled
        }
        for release in history.reversed() where missing > 0 {
            missing -= try read(release, period: nil) { !$0.measure.isAnnual }
        }
        for period in annualYears.sorted() {
            guard let year = Int(period) else { continue }
            let extent = FigureMarks.extent(of: year, in: report)
            guard let release = history.last(where: { FigureMarks.extent(of: year, in: $0.period) == extent })
            else { continue }
            _ = try read(release, period: period) { $0.measure.isAnnual }
        }
        return result
    }

    // MARK: - Writing (under the run lock)

    /// Figures inserted by one statement (7 parameters each, far below SQLite's limit of 32,766).
    static let figuresPerInsert = 64

    /// The id the next release will have.
    public func nextID() throws -> Int {
        Int(try database.rows("SELECT COALESCE(MAX(id), 0) + 1 FROM release").first?.first?.integer ?? 1)
    }

    /// What a run publishes, recorded as one pending release.
    public struct Record {
        public let id: Int
        public let period: YearMonth
        public let publishedAt: Date
        public let folder: String
        public let manifestSHA256: String
        public let provisionalMonths: Int
        public let aggregates: Aggregates
        /// What earlier releases published (for each figure's first release).
        /// What earlier releases published, by the figure's place in `aggregates.rows`.
        public let published: [FigureMarks.Published?]
        public let marks: FigureMarks
        public let inputs: [(path: String, sha256: String, bytes: Int, status: String)]
    }

    /// Records `record` as a pending release, in one transaction.
    public func recordPending(_ record: Record) throws {
        do {
            try TestHooks.reach("before-release")
            try database.transaction {
                let time = ISO8601DateFormatter().string(from: record.publishedAt)
                try database.run(
                    """
                    INSERT INTO release (id, period, published_at, tool_version, status, folder, manifest_sha256,
                                         provisional_months, figures, revised)
                    VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9)
                    """,
                    [
                        .integer(Int64(record.id)), .text(record.period.description), .text(time),
                        .text(talentstatsVersion), .text(record.folder), .text(record.manifestSHA256),
                        .integer(Int64(record.provisionalMonths)), .integer(Int64(record.aggregates.rows.count)),
                        .integer(Int64(record.marks.revisedCount)),
                    ])
                let id = SQLValue.integer(Int64(record.id))
                let input = try database.prepare(
                    "INSERT INTO release_input (release_id, path, sha256, bytes, status) VALUES (?1, ?2, ?3, ?4, ?5)")
                for f in record.inputs {
                    try input.run([id, .text(f.path), .text(f.sha256), .integer(Int64(f.bytes)), .text(f.status)])
                }
                // The figures in their order, `figuresPerInsert` rows a statement (one row a statement
                // costs SQLite's statement overhead 56,000 times for the sample's figures).
                func figureInsert(rows: Int) throws -> Statement {
                    try database.prepare(
                        "INSERT INTO figure (release_id, period, district_code, metric, measure, value, first_release) VALUES "
                            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
                }
                let rows = record.aggregates.rows
                let many = try figureInsert(rows: Self.figuresPerInsert)
                let one = try figureInsert(rows: 1)
                var values: [SQLValue] = []
                values.reserveCapacity(7 * Self.figuresPerInsert)
                var start = 0
                while start < rows.count {
                    let end = min(rows.count, start + Self.figuresPerInsert)
                    values.removeAll(keepingCapacity: true)
                    for i in start..<end {
                        let k = rows[i].key
                        values += [
                            id, .text(k.period), .text(k.districtCode), .text(k.metric), .text(k.measure.rawValue),
                            .text(rows[i].value.text), .integer(Int64(record.published[i]?.firstRelease ?? record.id)),
                        ]
                    }
                    if end - start == Self.figuresPerInsert {
                        try many.run(values)
                    } else {
                        for j in stride(from: 0, to: values.count, by: 7) { try one.run(Array(values[j..<j + 7])) }
                    }
                    start = end
                }
                let flag = try database.prepare(
                    """
                    INSERT INTO flag (release_id, period, district_code, metric, measure, flag, previous_value,
                                      previous_release) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                    """)
                for f in record.marks.flags {
                    let k = f.key
                    try flag.run([
                        id, .text(k.period), .text(k.districtCode), .text(k.metric), .text(k.measure.rawValue),
                        .text(f.kind.rawValue), f.previousValue.map { .text($0.description) } ?? .null,
                        f.previousRelease.map { .integer(Int64($0)) } ?? .null,
                    ])
                }
                try TestHooks.reach("release-recorded")
            }
        } catch let failure as Failure {
            throw failure
        } catch let hook as TestHooks.InjectedFailure {
            throw hook
        } catch {
            throw Failure("cannot record the release in", error, path: path)
        }
    }

    /// Marks a release published, once its folder is in place.
    public func markPublished(_ id: Int) throws {
        do {
            try database.run("UPDATE release SET status = 'published' WHERE id = ?1", [.integer(Int64(id))])
        } catch {
            throw Failure("cannot mark release \(id) published in", error, path: path)
        }
    }

    /// Deletes a pending release whose folder was not published (the run failed before the swap).
    public func discardPending(_ id: Int) {
        try? database.run("DELETE FROM release WHERE id = ?1 AND status = 'pending'", [.integer(Int64(id))])
    }

    /// Settles what killed runs left: a pending release whose folder names it was published (the
    /// run was killed after the swap); any other was not, and is deleted with its figures.
    /// - Returns: (published, discarded) release ids.
    @discardableResult
    public func settlePending() throws -> (published: [Int], discarded: [Int]) {
        let pending = try database.rows("SELECT id, folder FROM release WHERE status = 'pending' ORDER BY id")
        var settled: (published: [Int], discarded: [Int]) = ([], [])
        for row in pending {
            let id = Int(row[0].integer ?? 0)
            if releaseNamed(byFolder: row[1].text ?? "") == id {
                try markPublished(id)
                settled.published.append(id)
            } else {
                try database.run("DELETE FROM release WHERE id = ?1", [.integer(Int64(id))])
                settled.discarded.append(id)
            }
        }
        return settled
    }
}
