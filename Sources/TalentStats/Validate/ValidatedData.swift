import Foundation

/// What identifies an observation: resubmissions and duplicates are detected on this, after
/// normalization (period parsed, district resolved to its index, metric to its index, entity trimmed).
public struct ObservationKey: Hashable, Sendable {
    public let month: YearMonth
    public let district: Int
    public let metric: Int
    public let entity: String
}

/// An accepted value and where it came from.
public struct SourcedValue: Sendable, Equatable {
    public let value: FixedDecimal
    public let file: Int
    public let line: Int
}

/// A later file replaced an earlier file's value for the same key.
public struct Revision: Sendable, Equatable {
    public let key: ObservationKey
    public let old: SourcedValue
    public let new: SourcedValue
}

/// A later file replaced a cell (month, district, metric) whole: the earlier files' observations
/// of it no longer count, even those of entities the later file does not name.
public struct CellReplacement: Sendable, Equatable {
    public enum Why: Sendable, Equatable {
        /// The later file reports the cell the other way: entity by entity where earlier files gave
        /// the district total (`toEntities`), or the reverse. A total and its entities are never summed.
        case otherKind(toEntities: Bool)
        /// The later file is a returned form: the district's whole return for the cell.
        case formReturn
    }
    public let month: YearMonth
    public let district: Int
    public let metric: Int
    /// The earlier files and how many of their observations the cell lost.
    public let earlier: [(file: Int, rows: Int)]
    /// The file that replaced the cell, and the line of its first observation of it (0 when not known).
    public let file: Int
    public let line: Int
    public let why: Why

    public static func == (a: Self, b: Self) -> Bool {
        a.month == b.month && a.district == b.district && a.metric == b.metric && a.file == b.file
            && a.line == b.line && a.why == b.why && a.earlier.map(\.file) == b.earlier.map(\.file)
            && a.earlier.map(\.rows) == b.earlier.map(\.rows)
    }
}

/// How the observations of one file (or of the run) were used. Observations read =
/// used + rejected + outOfScope + superseded.
public struct RowAccounting: Sendable, Equatable, Codable {
    public var read = 0
    public var used = 0
    public var rejected = 0
    public var outOfScope = 0
    public var superseded = 0

    public var balances: Bool { read == used + rejected + outOfScope + superseded }

    public static func + (a: Self, b: Self) -> Self {
        RowAccounting(
            read: a.read + b.read, used: a.used + b.used, rejected: a.rejected + b.rejected,
            outOfScope: a.outOfScope + b.outOfScope, superseded: a.superseded + b.superseded)
    }

    enum CodingKeys: String, CodingKey {
        case read, used, rejected
        case outOfScope = "out_of_scope"
        case superseded
    }
}

/// One input file's record for the manifest and the data-quality sheet.
public struct FileRecord: Sendable {
    public let facts: FileFacts
    /// Set when the whole file was rejected or not read.
    public let rejection: String?
    public var accounting: RowAccounting
    /// Why the file is not read, when it is not one the pipeline reads (``rejection`` has the English).
    public var unread: UnreadReason? = nil
    public var notRead: Bool { unread != nil }

    /// How the manifest names the file's fate.
    public var status: String { notRead ? "not_read" : rejection == nil ? "used" : "rejected" }
}

/// The gate's result: the accepted observations (one per key), and everything else with its reason.
public struct ValidatedData: Sendable {
    public let reference: ReferenceData
    public let reportPeriod: YearMonth
    /// The accepted observations, one per key (Aggregate sums them).
    public let accepted: AcceptedObservations
    public let files: [FileRecord]
    /// Every rejection, counted; the first ``RejectionLog/detailLimit`` listed.
    public let rejectionLog: RejectionLog
    /// The first ``RejectionLog/detailLimit`` revisions (``revisionCount`` has them all): rows of a
    /// later file that replace an earlier file's row for the same key with a different value.
    public let revisions: [Revision]
    public let revisionCount: Int
    /// Rows of a later file that repeat an earlier file's row for the same key with the same value:
    /// superseded (the later row counts) but not revisions, since no figure moves.
    public let unchangedResubmissions: Int
    /// Cells a later file replaced whole (reported the other way, or by a returned form).
    public let replacedCells: [CellReplacement]

    /// The listed rejections (all of them unless there are more than ``RejectionLog/detailLimit``).
    public var rejections: [Rejection] { rejectionLog.listed }
    public var rejectionCount: Int { rejectionLog.total }
    /// Distinct keys remembered to detect duplicates and resubmissions.
    public var distinctKeys: Int { accepted.count }
    /// Set when the input is beyond what the key index holds exactly (more distinct entities than
    /// its keys can tell apart, more than 65,535 files, a line beyond 2³²): the run must not publish.
    public let capacityProblem: String?

    public var totals: RowAccounting { files.reduce(RowAccounting()) { $0 + $1.accounting } }
    /// Files rejected whole (not counting those not read).
    public var filesRejected: Int { files.filter { $0.rejection != nil && !$0.notRead }.count }
    /// Files listed but not read.
    public var filesNotRead: Int { files.filter(\.notRead).count }
    /// Files whose rows were read (whether or not any was accepted).
    public var filesUsed: Int { files.count - filesRejected - filesNotRead }
}
