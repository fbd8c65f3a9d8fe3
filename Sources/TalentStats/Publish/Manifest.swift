import Foundation

/// `manifest.json`: what went in, how every row was used, and what came out, with checksums.
/// It holds no wall-clock time, so the same input gives the same bytes.
struct Manifest: Encodable {
    struct Tool: Encodable {
        let name: String
        let version: String
    }
    struct InputFileEntry: Encodable {
        let path: String
        /// Set when the name's bytes are not UTF-8: `GB18030` (decoded) or `escaped` (`\xHH`).
        let nameEncoding: String?
        let sha256: String
        let bytes: Int
        /// A text file's encoding (a workbook has none: its text is the package's XML).
        let encoding: String?
        let format: String?
        /// A workbook: the sheet read, and the row its header is on.
        let sheet: String?
        let headerRow: Int?
        /// A returned form (``FormTemplate``): what its marker says.
        let form: [String: String]?
        let status: String
        let rejection: String?
        let rows: RowAccounting
        enum CodingKeys: String, CodingKey {
            case path
            case nameEncoding = "name_encoding"
            case sha256, bytes, encoding, format, sheet
            case headerRow = "header_row"
            case form
            case status, rejection, rows
        }
    }
    struct ReferenceEntry: Encodable {
        let path: String
        let sha256: String
    }
    struct FileTotals: Encodable {
        /// Every file listed: used + rejected + not read.
        let listed: Int
        let used: Int
        let rejected: Int
        let notRead: Int
        enum CodingKeys: String, CodingKey {
            case listed, used, rejected
            case notRead = "not_read"
        }
    }
    struct Totals: Encodable {
        let files: FileTotals
        let observations: RowAccounting
        let balanced: Bool
        let rejectsByCode: [String: Int]
        let revisions: Int
        /// Times a later file replaced a cell whole (a cell replaced twice counts twice).
        let cellReplacements: Int
        let aggregateRows: Int
        enum CodingKeys: String, CodingKey {
            case files, observations, balanced
            case rejectsByCode = "rejects_by_code"
            case revisions
            case cellReplacements = "cell_replacements"
            case aggregateRows = "aggregate_rows"
        }
    }
    struct Findings: Encodable {
        let districtsMissing: [String]
        let outliers: Int
        let needsAttention: Bool
        enum CodingKeys: String, CodingKey {
            case districtsMissing = "districts_missing"
            case outliers
            case needsAttention = "needs_attention"
        }
    }
    /// 报送情况 (``CollectionStatus``): who sent what for the report month, and when.
    struct Collection: Encodable {
        struct Sent: Encodable {
            let path: String
            let kind: String
            /// The file's modification time (ISO 8601 in the office's time zone).
            let modified: String?
            let used: Int
            /// Rows of a returned form rejected (1 for a form refused whole); 0 for other files.
            let rejected: Int
        }
        struct District: Encodable {
            let code: String
            let name: String
            let state: String
            let late: Bool
            let used: Int
            let missingMetrics: [String]
            let files: [Sent]
            enum CodingKeys: String, CodingKey {
                case code, name, state, late, used, files
                case missingMetrics = "missing_metrics"
            }
        }
        let deadline: String
        let complete: Int
        let incomplete: Int
        let missing: Int
        /// Districts whose only return, a form, was refused.
        let rejected: Int
        let late: Int
        let districts: [District]

        init(_ status: CollectionStatus, reference: ReferenceData, timeZone: TimeZone) {
            let iso = ISO8601DateFormatter()
            iso.timeZone = timeZone
            iso.formatOptions = [.withInternetDateTime]
            deadline = iso.string(from: status.deadline)
            complete = status.entries.filter { $0.state == .complete }.count
            incomplete = status.entries.filter { $0.state == .incomplete }.count
            missing = status.missing
            rejected = status.rejected
            late = status.late
            districts = status.entries.map { e in
                District(
                    code: reference.districts[e.district].code, name: reference.districts[e.district].name,
                    state: e.state.rawValue, late: e.late, used: e.used,
                    missingMetrics: e.missingMetrics.map { reference.metrics[$0].id },
                    files: e.sent.map {
                        Sent(
                            path: $0.path, kind: $0.kind, modified: $0.modified.map(iso.string(from:)), used: $0.used,
                            rejected: $0.rejected)
                    })
            }
        }
    }
    struct OutputEntry: Encodable {
        let path: String
        let sha256: String
        let bytes: Int
    }

    let tool: Tool
    let reportPeriod: String
    let firstMonth: String?
    let reference: [ReferenceEntry]
    let inputs: [InputFileEntry]
    /// Files under `raw/` left out by the ignore list (README*, *.md, `~$*`, Thumbs.db, desktop.ini).
    let ignored: [String]
    let totals: Totals
    let findings: Findings
    let collection: Collection
    let outputs: [OutputEntry]

    enum CodingKeys: String, CodingKey {
        case tool
        case reportPeriod = "report_period"
        case firstMonth = "first_month"
        case reference, inputs, ignored, totals, findings, collection, outputs
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
