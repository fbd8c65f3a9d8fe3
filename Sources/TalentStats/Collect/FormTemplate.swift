import Foundation
import XlsxWriter

public enum FormTemplate {
    static let sheetName = FormLayout.sheetName
    static let headerRow = FormLayout.headerRow
    static let columns = FormLayout.columns
    static let valueColumn = FormLayout.valueColumn
    /// The largest value a cell accepts: 10 million persons, or 100 million 万元 (1 万亿元).
    public static func upperBound(_ metric: Metric) -> Double {
        metric.unit.dimension == .persons ? 10_000_000 : 100_000_000
    }

    /// The file name of a district's form: `2024-12-东城街道.xlsx`.
    /// The name is the district's with what file systems refuse or misread replaced by `_` (path
    /// separators, `\\ : * ? " < > |`, control characters, leading dots) and cut to 60 characters,
    /// so a form is always written inside its folder.
    public static func fileName(period: YearMonth, district: District) -> String {
        var name = String(
            district.name.unicodeScalars.map { u -> Character in
                "/\\:*?\"<>|".unicodeScalars.contains(u) || u.value < 0x20 || u.value == 0x7F ? "_" : Character(u)
            })
        while name.hasPrefix(".") { name = "_" + name.dropFirst() }
        if name.isEmpty { name = district.code }
        return "\(period)-\(name.prefix(60)).xlsx"
    }

    /// Writes the form of `district` for `period` to `url`.
    public static func write(
        district: District, period: YearMonth, reference: ReferenceData, published: PublishedReference?,
        deadline: String?, organization: String?, enterprise: Bool = false, to url: URL
    ) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try? FileManager.default.removeItem(at: temporary)
        var written = false
        defer { if !written { try? FileManager.default.removeItem(at: temporary) } }
        let book = try Workbook(path: temporary.path)
        let zh = "\(period.year)年\(period.month)月"
        let city = reference.city.name
        try book.setProperties(
            DocumentProperties(
                title: "\(city)人才统计月报表（\(zh)）——\(district.name)", subject: "\(city)人才统计 \(zh) 填报表",
                author: organization, company: organization, category: "统计报表", keywords: "人才统计, 填报表",
                comments: "由 talentstats 生成的填报表；请勿修改锁定的单元格"))
        let marker = FormMarker(
            period: period, district: district.code, metrics: reference.metrics.map(\.id), detail: enterprise)
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
        let detailNote =
            enterprise
            ? "如填写了“\(FormLayout.detailSheetName)”表，某指标的本表数值应等于该表同一指标的合计（也可留空，以明细合计为准）。" : ""
        let basis =
            published.map { "“上期数（参考）”为 \($0.period.year)年\($0.period.month)月 报表已发布的当月数，仅供核对。" }
            ?? "“上期数（参考）”：尚无已发布的报表。"
        try sheet.merge(
            firstRow: 2, firstColumn: 0, lastRow: 2, lastColumn: last,
            string:
                "填写说明：只在黄色单元格中填写本月数值（人数填整数，金额以万元计、可保留两位小数），不得为负数；没有数据的指标留空，不要填 0 以外的文字；备注可写说明。其他单元格已锁定。时点指标填月末数，时期指标填当月发生数。\(detailNote)\(basis)填好后直接保存为 .xlsx（Excel 或 WPS 均可，文件名可改），发回市人才工作部门。",
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
        if enterprise {
            try writeDetail(book: book, district: district, period: period, reference: reference)
        }
        try book.close()
        try FileManager.default.moveItemReplacing(temporary, to: url)
        written = true
    }

}

extension FormTemplate {
    /// Rows of the enterprise sheet that carry validation and the input formats (the whole sheet
    /// below the header: clerks paste tables of any length).
    static let detailLastRow = 1_048_575

    /// The Excel check of a credit code in cell `cell` (GB 32100: 18 characters of the standard's
    /// alphabet, the last the check character of the first 17). A convenience for the clerk:
    /// ingest checks every code itself (``CreditCode``).
    static func creditCodeFormula(_ cell: String) -> String {
        let alphabet = String(decoding: CreditCode.alphabet, as: UTF8.self)
        return
            "AND(LEN(\(cell))=18,MID(\"\(alphabet)\",MOD(31-MOD(SUMPRODUCT((FIND(MID(\(cell),ROW($1:$17),1),\"\(alphabet)\")-1)*MOD(3^(ROW($1:$17)-1),31)),31),31)+1,1)=RIGHT(\(cell),1))"
    }

    /// The enterprise sheet: one row per enterprise, its credit code, name and a value per metric.
    static func writeDetail(book: Workbook, district: District, period: YearMonth, reference: ReferenceData) throws {
        let sheet = try book.addWorksheet(named: FormLayout.detailSheetName)
        let zh = "\(period.year)年\(period.month)月"
        let columns = FormLayout.detailColumns(reference)
        let last = columns.count - 1
        let title = try book.format(CellStyle(bold: true, fontSize: 14, horizontal: .center, vertical: .center))
        let note = try book.format(CellStyle(fontSize: 10, fontColor: 0x595959, vertical: .top, wrap: true))
        let header = try book.format(
            CellStyle(
                bold: true, background: 0xD9E1F2, horizontal: .center, vertical: .center, wrap: true, border: true))
        let code = try book.format(CellStyle(background: 0xFFF2CC, numberFormat: "@", locked: false))
        let name = try book.format(CellStyle(background: 0xFFF2CC, locked: false))
        try sheet.merge(
            firstRow: 0, firstColumn: 0, lastRow: 0, lastColumn: last,
            string: "\(reference.city.name)人才统计月报表（\(zh)）企业明细——\(district.name)", format: title)
        try sheet.setRow(0, height: 26)
        try sheet.merge(
            firstRow: 1, firstColumn: 0, lastRow: 2, lastColumn: last,
            string:
                "填写说明：选填。每行一家企业，从第 \(FormLayout.headerRow + 1) 行起填写，可直接粘贴；统一社会信用代码须为 18 位（大写字母和数字，末位为校验码）。同一企业只填一行。数值不得为负数，人数填整数，金额以万元计；没有数据的单元格留空。某指标填了明细时，“\(FormLayout.sheetName)”表该指标的数值应等于明细合计或留空，二者不符时该指标不予采用。",
            format: note)
        try sheet.setRow(2, height: 40)
        for (c, text) in columns.enumerated() {
            try sheet.write(string: text, row: FormLayout.headerRow - 1, column: c, format: header)
        }
        try sheet.setRow(FormLayout.headerRow - 1, height: 36)
        // The row between the notes and the header stays locked (the columns below are open).
        let fixed = try book.format(CellStyle())
        for c in 0...last { try sheet.writeBlank(row: FormLayout.headerRow - 2, column: c, format: fixed) }
        let first = FormLayout.headerRow
        try sheet.setColumns(0, 0, width: 22, format: code)
        try sheet.setColumns(1, 1, width: 28, format: name)
        try sheet.validate(
            firstRow: first, firstColumn: 0, lastRow: detailLastRow, lastColumn: 0,
            Worksheet.Validation(
                kind: .formula(creditCodeFormula("A\(first + 1)")), inputTitle: "统一社会信用代码",
                inputMessage: "18 位统一社会信用代码，大写字母和数字，末位为校验码（如 91350100M000100Y43）。",
                errorTitle: "统一社会信用代码有误",
                errorMessage: "应为 18 位，只含数字和大写字母（不含 I、O、S、V、Z），末位校验码须正确。请核对后重新输入。"))
        for (i, metric) in reference.metrics.enumerated() {
            let c = 2 + i
            let cell = try book.format(
                CellStyle(
                    background: 0xFFF2CC, numberFormat: metric.integer ? "#,##0" : "#,##0.00", locked: false))
            try sheet.setColumns(c, c, width: 14, format: cell)
            let bound = upperBound(metric)
            try sheet.validate(
                firstRow: first, firstColumn: c, lastRow: detailLastRow, lastColumn: c,
                Worksheet.Validation(
                    kind: metric.integer
                        ? .wholeNumber(minimum: 0, maximum: bound) : .decimal(minimum: 0, maximum: bound),
                    inputTitle: metric.nameZh,
                    inputMessage:
                        "该企业\(zh)的\(metric.nameZh)（\(metric.unit.symbol)）：\(metric.integer ? "整数" : "数值")，不小于 0；没有数据留空。",
                    errorTitle: "数值不符合要求",
                    errorMessage:
                        "\(metric.nameZh)应为\(metric.integer ? "整数" : "数值")，单位\(metric.unit.symbol)，范围 0 至 \(Int(bound))。"
                ))
        }
        try sheet.setColumns(last, last, width: 24, format: name)
        try sheet.freezePanes(row: FormLayout.headerRow, column: 1)
        try sheet.setUpPrinting(orientation: .landscape, footer: "&C第 &P 页，共 &N 页")
        try sheet.protect(insertingRows: true)
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
