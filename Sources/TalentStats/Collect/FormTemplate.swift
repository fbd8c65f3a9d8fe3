import Foundation
import XlsxWriter

/// What identifies a returned form: custom document properties the template writes and Excel,
/// WPS and LibreOffice keep when they save (docProps/custom.xml). Hidden from the clerk's view,
/// readable by any tool.
public struct FormMarker: Sendable, Equatable {
    /// The form's layout version: readers refuse a version they do not know.
    public static let currentVersion = "1"
    static let keys = (
        version: "talentstats.form", period: "talentstats.period", district: "talentstats.district",
        metrics: "talentstats.metrics"
    )

    public let version: String
    public let period: YearMonth
    /// The district's code.
    public let district: String
    /// The metric ids of the form's rows, in order.
    public let metrics: [String]

    public init(version: String = currentVersion, period: YearMonth, district: String, metrics: [String]) {
        self.version = version
        self.period = period
        self.district = district
        self.metrics = metrics
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
                metrics: metrics.split(separator: ",").map(String.init)))
    }

    /// The defined name holding ``compact``.
    static let definedName = "talentstats_form"

    /// `version|period|district|metric,metric,…`.
    var compact: String {
        [version, period.description, district, metrics.joined(separator: ",")].joined(separator: "|")
    }

    /// The marker of a workbook's defined names (when its custom properties were not kept).
    static func read(definedNames: [String: String]) -> Result<FormMarker, FormProblem>? {
        guard var text = definedNames[definedName] else { return nil }
        if text.hasPrefix("=") { text.removeFirst() }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else {
            return .failure(FormProblem("the form's hidden marker is damaged; fill in a fresh form"))
        }
        return read([
            keys.version: parts[0], keys.period: parts[1], keys.district: parts[2], keys.metrics: parts[3],
        ])
    }

    var properties: [(String, String)] {
        [
            (Self.keys.version, version), (Self.keys.period, period.description), (Self.keys.district, district),
            (Self.keys.metrics, metrics.joined(separator: ",")),
        ]
    }
}

/// Why a returned form cannot be used.
struct FormProblem: Error, Sendable, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The figures a district last saw published, shown beside each input cell for reference.
public struct PublishedReference: Sendable {
    /// The report the figures come from.
    public let period: YearMonth
    /// `district code,metric id` → the `month` figure as published.
    public let values: [String: String]

    /// The latest report published under `folder` for a month before `period`, if any
    /// (`folder/YYYY-MM/aggregates.csv`).
    public static func latest(in folder: URL, before period: YearMonth) -> PublishedReference? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return nil }
        let periods = names.compactMap { name -> YearMonth? in
            guard name.count == 7, let p = YearMonth(parsing: name), p.description == name, p < period else {
                return nil
            }
            return p
        }.sorted()
        for p in periods.reversed() {
            let file = folder.appendingPathComponent("\(p)/aggregates.csv")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            var values: [String: String] = [:]
            let prefix = "\(p),"
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) && line.contains(",month,") {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                guard f.count == 5, f[3] == "month" else { continue }
                values["\(f[1]),\(f[2])"] = String(f[4])
            }
            return PublishedReference(period: p, values: values)
        }
        return nil
    }
}

/// The monthly form a district fills in (Excel or WPS) and sends back: a long-layout table that
/// talentstats reads like any workbook, with the period, district, metric, kind and unit filled in
/// and locked, the value and 备注 cells open and validated, the last published figure beside each
/// value for reference, and a hidden ``FormMarker`` that tells a returned form from any workbook.
public enum FormTemplate {
    public static let sheetName = "填报表"
    /// The header's sheet row (1-based); the metrics follow, one a row, in `metrics.csv` order.
    public static let headerRow = 5
    public static let columns = ["统计期", "镇街", "指标", "指标类型", "计量单位", "数值", "上期数（参考）", "备注"]
    /// The value column (0-based).
    static let valueColumn = 5
    /// The largest value a cell accepts: 10 million persons, or 100 million 万元 (1 万亿元).
    public static func upperBound(_ metric: Metric) -> Double {
        metric.unit.dimension == .persons ? 10_000_000 : 100_000_000
    }

    /// The file name of a district's form: `2024-12-东城街道.xlsx`.
    public static func fileName(period: YearMonth, district: District) -> String {
        "\(period)-\(district.name).xlsx"
    }

    /// Writes the form of `district` for `period` to `url`.
    public static func write(
        district: District, period: YearMonth, reference: ReferenceData, published: PublishedReference?,
        deadline: String?, organization: String?, to url: URL
    ) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try? FileManager.default.removeItem(at: temporary)
        let book = try Workbook(path: temporary.path)
        let zh = "\(period.year)年\(period.month)月"
        let city = reference.city.name
        try book.setProperties(
            DocumentProperties(
                title: "\(city)人才统计月报表（\(zh)）——\(district.name)", subject: "\(city)人才统计 \(zh) 填报表",
                author: organization, company: organization, category: "统计报表", keywords: "人才统计, 填报表",
                comments: "由 talentstats 生成的填报表；请勿修改锁定的单元格"))
        let marker = FormMarker(period: period, district: district.code, metrics: reference.metrics.map(\.id))
        for (name, value) in marker.properties { try book.setCustomProperty(name, value) }
        // The same marker as a defined name, for writers that drop custom properties (openpyxl).
        try book.defineName(FormMarker.definedName, "=\"\(marker.compact)\"")

        let sheet = try book.addWorksheet(named: sheetName)
        let title = try book.format(CellStyle(bold: true, fontSize: 16, horizontal: .center, vertical: .center))
        let subtitle = try book.format(CellStyle(fontSize: 11, horizontal: .left, vertical: .center))
        let note = try book.format(CellStyle(fontSize: 10, fontColor: 0x595959, vertical: .top, wrap: true))
        let header = try book.format(
            CellStyle(
                bold: true, background: 0xD9E1F2, horizontal: .center, vertical: .center, wrap: true, border: true))
        let fixed = try book.format(CellStyle(background: 0xF2F2F2, vertical: .center, border: true))
        let reference0 = try book.format(
            CellStyle(fontColor: 0x595959, background: 0xF2F2F2, numberFormat: "#,##0.##", border: true))
        func input(_ metric: Metric) throws -> Format {
            try book.format(
                CellStyle(
                    background: 0xFFF2CC, numberFormat: metric.integer ? "#,##0" : "#,##0.00", border: true,
                    locked: false))
        }
        let remark = try book.format(CellStyle(background: 0xFFF2CC, wrap: true, border: true, locked: false))

        let last = columns.count - 1
        try sheet.merge(
            firstRow: 0, firstColumn: 0, lastRow: 0, lastColumn: last, string: "\(city)人才统计月报表（\(zh)）", format: title)
        try sheet.setRow(0, height: 30)
        let due = deadline.map { "　报送截止：\($0)" } ?? ""
        try sheet.merge(
            firstRow: 1, firstColumn: 0, lastRow: 1, lastColumn: last,
            string: "填报单位：\(district.name)（镇街代码 \(district.code)）　统计期：\(zh)\(due)", format: subtitle)
        let basis =
            published.map { "“上期数（参考）”为 \($0.period.year)年\($0.period.month)月 报表已发布的当月数，仅供核对。" }
            ?? "“上期数（参考）”：尚无已发布的报表。"
        try sheet.merge(
            firstRow: 2, firstColumn: 0, lastRow: 2, lastColumn: last,
            string:
                "填写说明：只在黄色单元格中填写本月数值（人数填整数，金额以万元计、可保留两位小数），不得为负数；没有数据的指标留空，不要填 0 以外的文字；备注可写说明。其他单元格已锁定。时点指标填月末数，时期指标填当月发生数。\(basis)填好后直接保存为 .xlsx（Excel 或 WPS 均可，文件名可改），发回市人才工作部门。",
            format: note)
        try sheet.setRow(2, height: 66)
        for (c, name) in columns.enumerated() {
            try sheet.write(string: name, row: headerRow - 1, column: c, format: header)
        }
        try sheet.setRow(headerRow - 1, height: 30)
        for (i, metric) in reference.metrics.enumerated() {
            let r = headerRow + i
            try sheet.write(string: period.description, row: r, column: 0, format: fixed)
            try sheet.write(string: district.name, row: r, column: 1, format: fixed)
            try sheet.write(string: metric.nameZh, row: r, column: 2, format: fixed)
            try sheet.write(string: metric.kind == .stock ? "时点" : "时期", row: r, column: 3, format: fixed)
            try sheet.write(string: metric.unit.symbol, row: r, column: 4, format: fixed)
            let cell = try input(metric)
            try sheet.writeBlank(row: r, column: valueColumn, format: cell)
            if let text = published?.values["\(district.code),\(metric.id)"], let value = Double(text) {
                try sheet.write(number: value, row: r, column: 6, format: reference0)
            } else {
                try sheet.write(string: "—", row: r, column: 6, format: fixed)
            }
            try sheet.writeBlank(row: r, column: 7, format: remark)
            let bound = upperBound(metric)
            let unit = metric.unit.symbol
            try sheet.validate(
                firstRow: r, firstColumn: valueColumn, lastRow: r, lastColumn: valueColumn,
                Worksheet.Validation(
                    kind: metric.integer
                        ? .wholeNumber(minimum: 0, maximum: bound) : .decimal(minimum: 0, maximum: bound),
                    inputTitle: metric.nameZh,
                    inputMessage:
                        "填写\(zh)\(district.name)的\(metric.nameZh)（\(unit)，\(metric.kind == .stock ? "月末时点数" : "当月发生数")）：\(metric.integer ? "整数" : "数值")，不小于 0、不大于 \(Int(bound))。",
                    errorTitle: "数值不符合要求",
                    errorMessage:
                        "\(metric.nameZh)应为\(metric.integer ? "整数" : "数值")，单位\(unit)，范围 0 至 \(Int(bound))。请重新输入；没有数据请留空。"
                ))
        }
        try sheet.setColumns(0, 0, width: 10)
        try sheet.setColumns(1, 1, width: 14)
        try sheet.setColumns(2, 2, width: 18)
        try sheet.setColumns(3, 4, width: 9)
        try sheet.setColumns(5, 6, width: 16)
        try sheet.setColumns(7, 7, width: 28)
        try sheet.freezePanes(row: headerRow, column: 0)
        try sheet.setUpPrinting(orientation: .landscape, footer: "&C第 &P 页，共 &N 页")
        try sheet.protect()
        try sheet.activate()
        try book.close()
        try FileManager.default.moveItemReplacing(temporary, to: url)
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
                "a form whose sheet \(sheetName) is not the first visible sheet (it was renamed, moved or hidden)")
        }
        guard let district = reference.districts.firstIndex(where: { $0.code == marker.district }) else {
            return FormProblem("a form for district \(marker.district), which districts.csv does not list")
        }
        let name = reference.districts[district].name
        let metrics = marker.metrics.map { reference.metric(matching: $0) }
        if metrics.contains(nil) {
            return FormProblem(
                "a form listing metrics that metrics.csv does not have (\(marker.metrics.joined(separator: ",")))")
        }
        let data = rows.filter { $0.number > headerRow }
        guard data.count == metrics.count, zip(data, data.indices).allSatisfy({ $0.number == headerRow + 1 + $1 })
        else {
            return FormProblem(
                "a form whose rows were added, removed or moved (expected \(metrics.count) metric rows from row \(headerRow + 1))"
            )
        }
        for (row, metric) in zip(data, metrics) {
            func cell(_ c: Int) -> String { c < row.cells.count ? row.cells[c] : "" }
            let m = reference.metrics[metric!]
            if YearMonth(parsing: TextNormalization.clean(cell(0))) != marker.period {
                return FormProblem(
                    "a form for \(marker.period) whose cell A\(row.number) says “\(TextNormalization.excerpt(cell(0)))”: locked cells were changed; fill in a fresh form"
                )
            }
            if reference.district(matching: cell(1)) != district {
                return FormProblem(
                    "a form for \(name) whose cell B\(row.number) says “\(TextNormalization.excerpt(cell(1)))”: locked cells were changed; fill in a fresh form"
                )
            }
            if reference.metric(matching: cell(2)) != metric || TextNormalization.clean(cell(4)) != m.unit.symbol {
                return FormProblem(
                    "a form whose row \(row.number) no longer holds \(m.nameZh) in \(m.unit.symbol): locked cells were changed; fill in a fresh form"
                )
            }
        }
        return nil
    }
}

extension FileManager {
    /// Renames `source` over `target` (replacing it), in one step.
    func moveItemReplacing(_ source: URL, to target: URL) throws {
        if rename(source.path, target.path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
        }
    }
}
