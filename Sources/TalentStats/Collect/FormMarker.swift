import Foundation

/// What identifies a returned form: custom document properties the template writes and Excel,
/// WPS and LibreOffice keep when they save (docProps/custom.xml). Hidden from the clerk's view,
/// readable by any tool.
public struct FormMarker: Sendable {
    /// The form's layout version: readers refuse a version they do not know.
    public static let currentVersion = "1"
    static let keys = (
        version: "talentstats.form", period: "talentstats.period", district: "talentstats.district",
        metrics: "talentstats.metrics", detail: "talentstats.detail"
    )

    public let version: String
    public let period: YearMonth
    /// The district's code.
    public let district: String
    /// The metric ids of the form's rows, in order.
    public let metrics: [String]
    /// The form was sent with the enterprise sheet (``FormLayout/detailSheetName``): its return must
    /// still have it.
    public let detail: Bool

    public init(
        version: String = currentVersion, period: YearMonth, district: String, metrics: [String], detail: Bool = false
    ) {
        self.version = version
        self.period = period
        self.district = district
        self.metrics = metrics
        self.detail = detail
    }

    /// The marker of a workbook's properties: `nil` when it has none (any other workbook), a
    /// failure when it has one that cannot be read.
    static func read(_ properties: [String: String]) -> Result<FormMarker, FormProblem>? {
        guard let version = properties[keys.version] else { return nil }
        guard version == currentVersion else {
            return .failure(
                FormProblem(
                    "a form of version \(version), which this talentstats does not know (it reads version \(currentVersion)); ask the city office for this month's form"
                ))
        }
        guard let text = properties[keys.period], let period = YearMonth(parsing: text),
            let district = properties[keys.district], let metrics = properties[keys.metrics]
        else { return .failure(FormProblem("the form's hidden marker is incomplete; fill in a fresh form")) }
        return .success(
            FormMarker(
                version: version, period: period, district: district,
                metrics: metrics.split(separator: ",").map(String.init),
                detail: properties[keys.detail] == FormLayout.detailSheetName))
    }

    /// The defined name holding ``compact``.
    static let definedName = "talentstats_form"

    /// `version|period|district|count|digest`, and `|d` for a form with the enterprise sheet (a
    /// defined name holds at most 128 characters, too few for the metric ids themselves: their
    /// count and ``digest(_:)`` stand for them).
    var compact: String {
        ([version, period.description, district, String(metrics.count), Self.digest(metrics)] + (detail ? ["d"] : []))
            .joined(separator: "|")
    }

    /// FNV-1a (64 bits, hexadecimal) of the metric ids joined by commas.
    public static func digest(_ metrics: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in metrics.joined(separator: ",").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// For a marker read from the defined name: the metric count and digest the rows must match.
    var expected: (count: Int, digest: String)? = nil

    /// The marker of a workbook's defined names (when its custom properties were not kept).
    static func read(definedNames: [String: String]) -> Result<FormMarker, FormProblem>? {
        guard var text = definedNames[definedName] else { return nil }
        if text.hasPrefix("=") { text.removeFirst() }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 || (parts.count == 6 && parts[5] == "d"), let count = Int(parts[3]),
            let period = YearMonth(parsing: parts[1])
        else {
            return .failure(FormProblem("the form's hidden marker is damaged; fill in a fresh form"))
        }
        guard parts[0] == currentVersion else {
            return .failure(
                FormProblem(
                    "a form of version \(parts[0]), which this talentstats does not know (it reads version \(currentVersion)); ask the city office for this month's form"
                ))
        }
        var marker = FormMarker(
            version: parts[0], period: period, district: parts[2], metrics: [], detail: parts.count == 6)
        marker.expected = (count, parts[4])
        return .success(marker)
    }

    var properties: [(String, String)] {
        [
            (Self.keys.version, version), (Self.keys.period, period.description), (Self.keys.district, district),
            (Self.keys.metrics, metrics.joined(separator: ",")),
        ] + (detail ? [(Self.keys.detail, FormLayout.detailSheetName)] : [])
    }
}

/// Why a returned form cannot be used.
struct FormProblem: Error, Sendable, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The layout of the form (``FormTemplate`` writes it; ingest checks a returned one against it).
public enum FormLayout {
    public static let sheetName = "填报表"
    /// The header's sheet row (1-based); the metrics follow, one a row, in `metrics.csv` order.
    public static let headerRow = 5
    public static let columns = ["统计期", "镇街", "指标", "指标类型", "计量单位", "数值", "上期数（参考）", "备注"]
    /// The value column (0-based).
    static let valueColumn = 5

    /// The optional enterprise sheet: one row per enterprise, from ``headerRow`` + 1 down.
    public static let detailSheetName = "企业明细"
    /// Its columns: the credit code, the name, one column per metric (`name（unit）`), a note.
    public static func detailColumns(_ reference: ReferenceData) -> [String] {
        ["统一社会信用代码", "企业名称"] + reference.metrics.map { "\($0.nameZh)（\($0.unit.symbol)）" } + ["备注"]
    }

    /// How the enterprise sheet's columns are read: the code, the name and the note kept out of the
    /// figures, a value column per metric, in the metric's own unit; then two columns the sheet does
    /// not have, which ``SheetBatches`` fills from the marker: the period and the district.
    static func detailLayout(_ reference: ReferenceData) -> FileLayout {
        FileLayout(
            kind: .wide,
            columns: [.entity, .note] + reference.metrics.indices.map { .metricValues(metric: $0, unit: nil) } + [
                .note, .period, .district,
            ],
            creditCodes: true, entityRequired: true)
    }

    /// Checks a returned form's cells against its marker: each row below the header is the
    /// marker's period, district and metric in the marker's order, with the metric's unit — what
    /// the locked cells held when the form was sent. The rows as read (`texts[i]` is sheet row
    /// `numbers[i]`, its cells from column A).
    static func check(
        _ marker: FormMarker, sheet: String, rows: [(number: Int, cells: [String])], reference: ReferenceData
    ) -> FormProblem? {
        guard sheet == sheetName else {
            return FormProblem(
                "a form without its sheet \(sheetName) (it was renamed or removed)")
        }
        guard let district = reference.districts.firstIndex(where: { $0.code == marker.district }) else {
            return FormProblem("a form for district \(marker.district), which districts.csv does not list")
        }
        let name = reference.districts[district].name
        var ids = marker.metrics
        if let expected = marker.expected {
            // The defined name's marker: the metrics are those the rows name, if their count and
            // digest are the marker's.
            let named = rows.filter { $0.number > headerRow }.map { row in
                reference.metric(matching: row.cells.count > 2 ? row.cells[2] : "").map { reference.metrics[$0].id }
                    ?? "?"
            }
            guard named.count == expected.count, FormMarker.digest(named) == expected.digest else {
                return FormProblem(
                    "a form whose rows were added, removed or moved, or whose metrics were changed (its rows are not those it was sent with): fill in a fresh form"
                )
            }
            ids = named
        }
        let metrics = ids.map { reference.metric(matching: $0) }
        if metrics.contains(nil) {
            let unknown = zip(ids, metrics).filter { $0.1 == nil }.map(\.0)
            return FormProblem(
                "a form listing metrics that metrics.csv no longer has (\(unknown.joined(separator: ","))): metrics.csv changed after the form was sent; the city office should send this month's form again"
            )
        }
        // The header as written (a swapped or renamed column would move the values read).
        let header = rows.first { $0.number == headerRow }?.cells ?? []
        guard header.map({ TextNormalization.clean($0) }) == columns.map({ TextNormalization.clean($0) }) else {
            return FormProblem(
                "a form whose header row \(headerRow) is not \(columns.joined(separator: "|")): locked cells were changed; fill in a fresh form"
            )
        }
        let data = rows.filter { $0.number > headerRow }
        guard data.count == metrics.count, zip(data, data.indices).allSatisfy({ $0.number == headerRow + 1 + $1 })
        else {
            return FormProblem(
                "a form whose rows were added, removed or moved (expected \(metrics.count) metric rows from row \(headerRow + 1))"
            )
        }
        for (row, metric) in zip(data, metrics) {
            func cell(_ c: Int) -> String { c < row.cells.count ? TextNormalization.clean(row.cells[c]) : "" }
            let m = reference.metrics[metric!]
            // Each locked cell exactly as the form was sent (not an alias such as the code or the id).
            if cell(0) != marker.period.description {
                return FormProblem(
                    "a form for \(marker.period) whose cell A\(row.number) says “\(TextNormalization.excerpt(cell(0)))”: locked cells were changed; fill in a fresh form"
                )
            }
            if cell(1) != name {
                return FormProblem(
                    "a form for \(name) whose cell B\(row.number) says “\(TextNormalization.excerpt(cell(1)))”: locked cells were changed; fill in a fresh form"
                )
            }
            if cell(2) != m.nameZh || cell(3) != (m.kind == .stock ? "时点" : "时期") || cell(4) != m.unit.symbol {
                return FormProblem(
                    "a form whose row \(row.number) no longer holds \(m.nameZh) (\(m.kind == .stock ? "时点" : "时期"), \(m.unit.symbol)): locked cells were changed; fill in a fresh form"
                )
            }
        }
        return nil
    }
}
