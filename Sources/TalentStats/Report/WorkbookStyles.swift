import XlsxWriter

/// The workbook's formats, made once per workbook.
struct WorkbookStyles {
    static let font = "等线"
    let workbook: Workbook
    static let accent: UInt32 = 0x1F4E79

    let title: Format
    let subtitle: Format
    let heading: Format
    let header: Format
    let text: Format
    let wrapped: Format
    let label: Format
    let link: Format
    let missing: Format
    let persons: Format
    let money: Format
    let ratio: Format
    let integer: Format
    let totalText: Format
    let totalPersons: Format
    let totalMoney: Format
    let totalRatio: Format
    let totalMissing: Format

    init(_ workbook: Workbook) throws {
        self.workbook = workbook
        func style(_ configure: (inout CellStyle) -> Void) throws -> Format {
            var s = CellStyle(fontName: Self.font, fontSize: 10.5, vertical: .center)
            configure(&s)
            return try workbook.format(s)
        }
        title = try style {
            $0.bold = true
            $0.fontSize = 16
            $0.fontColor = Self.accent
        }
        subtitle = try style {
            $0.italic = true
            $0.fontColor = 0x595959
        }
        heading = try style {
            $0.bold = true
            $0.fontSize = 12
            $0.fontColor = Self.accent
            $0.bottomBorder = true
        }
        header = try style {
            $0.bold = true
            $0.background = 0x1F4E79
            $0.fontColor = 0xFFFFFF
            $0.wrap = true
            $0.horizontal = .center
            $0.border = true
        }
        text = try style { _ in }
        wrapped = try style {
            $0.wrap = true
            $0.vertical = .top
        }
        label = try style { $0.bold = true }
        link = try style {
            $0.fontColor = 0x0563C1
            $0.underline = true
        }
        missing = try style {
            $0.horizontal = .right
            $0.fontColor = 0x808080
        }
        persons = try style { $0.numberFormat = "#,##0" }
        money = try style { $0.numberFormat = "#,##0.00" }
        ratio = try style { $0.numberFormat = "0.0%" }
        integer = try style { $0.numberFormat = "0" }
        totalText = try style {
            $0.bold = true
            $0.background = 0xDDEBF7
        }
        totalPersons = try style {
            $0.bold = true
            $0.background = 0xDDEBF7
            $0.numberFormat = "#,##0"
        }
        totalMoney = try style {
            $0.bold = true
            $0.background = 0xDDEBF7
            $0.numberFormat = "#,##0.00"
        }
        totalRatio = try style {
            $0.bold = true
            $0.background = 0xDDEBF7
            $0.numberFormat = "0.0%"
        }
        totalMissing = try style {
            $0.bold = true
            $0.background = 0xDDEBF7
            $0.horizontal = .right
            $0.fontColor = 0x808080
        }
    }

    /// `format` with the marks of a figure after the number (`#,##0" [r]"`): the cell stays a
    /// number, and the mark prints with it. The workbook keeps one format per style.
    func marked(_ format: Format, _ marks: FigureMarks.Mark) throws -> Format {
        let suffix = marks.suffix
        guard !suffix.isEmpty, let number = format.style.numberFormat else { return format }
        var style = format.style
        style.numberFormat = number + "\"" + " " + suffix + "\""
        return try workbook.format(style)
    }

    /// The number format for a metric's amounts: persons `#,##0`, money `#,##0.00`.
    func amount(_ metric: Metric, total: Bool = false) -> Format {
        switch (metric.integer, total) {
        case (true, false): persons
        case (true, true): totalPersons
        case (false, false): money
        case (false, true): totalMoney
        }
    }
}
