import Foundation

/// `manifest.json`: what went in, how every row was used, and what came out, with checksums.
/// It holds no wall-clock time, so the same input gives the same bytes.
struct Manifest: Encodable {
    struct Tool: Encodable { let name: String; let version: String }
    struct InputFileEntry: Encodable {
        let path: String
        let sha256: String
        let bytes: Int
        let encoding: String?
        let format: String?
        let status: String
        let rejection: String?
        let rows: RowAccounting
    }
    struct ReferenceEntry: Encodable { let path: String; let sha256: String }
    struct FileTotals: Encodable { let read: Int; let used: Int; let rejected: Int }
    struct Totals: Encodable {
        let files: FileTotals
        let observations: RowAccounting
        let balanced: Bool
        let rejectsByCode: [String: Int]
        let revisions: Int
        let aggregateRows: Int
        enum CodingKeys: String, CodingKey {
            case files, observations, balanced, rejectsByCode = "rejects_by_code", revisions, aggregateRows = "aggregate_rows"
        }
    }
    struct Findings: Encodable {
        let districtsMissing: [String]
        let outliers: Int
        let needsAttention: Bool
        enum CodingKeys: String, CodingKey {
            case districtsMissing = "districts_missing", outliers, needsAttention = "needs_attention"
        }
    }
    struct OutputEntry: Encodable { let path: String; let sha256: String; let bytes: Int }

    let tool: Tool
    let reportPeriod: String
    let firstMonth: String?
    let reference: [ReferenceEntry]
    let inputs: [InputFileEntry]
    let totals: Totals
    let findings: Findings
    let outputs: [OutputEntry]

    enum CodingKeys: String, CodingKey {
        case tool, reportPeriod = "report_period", firstMonth = "first_month", reference, inputs, totals, findings, outputs
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
