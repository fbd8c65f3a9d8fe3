import CSQLite

/// A failed SQLite call: the result code, SQLite's own message and the statement it came from.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    /// The disk (or the database's quota) is full.
    public var isFull: Bool { code & 0xFF == SQLITE_FULL }
    /// Another connection holds a lock longer than the busy timeout.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }

    public var description: String {
        let name = String(cString: sqlite3_errstr(code))
        return sql.map { "\(message) (\(name)) in: \($0)" } ?? "\(message) (\(name))"
    }
}

/// A value bound to a statement's parameter or read from a result column.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)

    public var text: String? { if case .text(let s) = self { s } else { nil } }
    public var integer: Int64? { if case .integer(let n) = self { n } else { nil } }
}

/// One connection to an SQLite database file. A class because it owns the C handle, closed once
/// when the last reference goes; not `Sendable` (one thread at a time, as SQLite's default
/// threading mode allows for a connection).
public final class Database {
    private let handle: OpaquePointer
    public let path: String

    public enum Mode: Sendable {
        case readOnly
        /// Read and write, creating the file when missing.
        case readWrite
        /// Read and write an existing file only: for a reader that must be able to roll back what
        /// a killed writer left in the journal (which a read-only connection cannot).
        case existing
    }

    /// Opens (or, read-write, creates) the database at `path`, with foreign keys on, a busy timeout
    /// of `busyMilliseconds`, and `synchronous = FULL` so a committed transaction is on disk.
    public init(path: String, mode: Mode = .readWrite, busyMilliseconds: Int32 = 10_000) throws {
        var db: OpaquePointer?
        let access: Int32 =
            switch mode {
            case .readOnly: SQLITE_OPEN_READONLY
            case .readWrite: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .existing: SQLITE_OPEN_READWRITE
            }
        let flags = access | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(path): \(message)", sql: nil)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyMilliseconds)
        try execute("PRAGMA foreign_keys = ON")
        if mode != .readOnly { try execute("PRAGMA synchronous = FULL") }
    }

    deinit { sqlite3_close_v2(handle) }

    func error(_ code: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, sql: sql)
        }
    }

    /// Compiles one statement.
    public func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, sql) }
        return Statement(statement, database: self, sql: sql)
    }

    /// Runs `sql` with `values` bound and returns every row.
    public func rows(_ sql: String, _ values: [SQLValue] = []) throws -> [[SQLValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [[SQLValue]] = []
        while try statement.step() { rows.append(statement.row) }
        return rows
    }

    /// Runs `sql` with `values` bound, for its effect.
    public func run(_ sql: String, _ values: [SQLValue] = []) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` … `COMMIT` transaction (the write lock taken at the
    /// start), rolled back when `body` throws or the commit fails.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// `PRAGMA user_version`, the schema version an application keeps.
    public func userVersion() throws -> Int {
        Int(try rows("PRAGMA user_version").first?.first?.integer ?? 0)
    }

    /// The SQLite library's version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// A compiled statement of a ``Database``; finalized when the last reference goes.
public final class Statement {
    private let handle: OpaquePointer
    // Keeps the connection open as long as the statement lives.
    private let database: Database
    let sql: String

    init(_ handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to its parameters, in order.
    public func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        // SQLITE_TRANSIENT: SQLite copies the text before the call returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, value) in values.enumerated() {
            let position = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, position)
            case .integer(let n): rc = sqlite3_bind_int64(handle, position, n)
            case .text(let s): rc = sqlite3_bind_text(handle, position, s, -1, transient)
            }
            guard rc == SQLITE_OK else { throw database.error(rc, sql) }
        }
    }

    /// Advances to the next row: `true` when there is one, `false` when the statement is done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc, sql)
        }
    }

    /// Binds `values`, runs to the end, and resets (for an insert repeated row by row).
    public func run(_ values: [SQLValue]) throws {
        try bind(values)
        while try step() {}
    }

    /// The current row's columns.
    public var row: [SQLValue] {
        (0..<sqlite3_column_count(handle)).map { column in
            switch sqlite3_column_type(handle, column) {
            case SQLITE_NULL: return .null
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
            default: return .text(String(cString: sqlite3_column_text(handle, column)))
            }
        }
    }
}
