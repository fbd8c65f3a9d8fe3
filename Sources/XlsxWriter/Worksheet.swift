import CXlsxWriter
import Foundation

/// A worksheet of a ``Workbook``. Refuses to work once its workbook is closed.
///
/// Cells are addressed zero-based (`row: 0, column: 0` is A1), as in libxlsxwriter.
/// See <https://libxlsxwriter.github.io/worksheet_8h.html>.
public final class Worksheet {
    /// Excel's limits (libxlsxwriter rejects anything beyond them).
    public static let maxRows = 1_048_576
    public static let maxColumns = 16_384
    /// Excel's limit on the characters of one cell.
    public static let maxStringLength = 32_767

    public let workbook: Workbook
    public let name: String
    private let pointer: UnsafeMutablePointer<lxw_worksheet>
    /// Widest content written to each column, in Excel character units (CJK counted double).
    public private(set) var contentWidths: [Int: Double] = [:]

    init(workbook: Workbook, handle: UnsafeMutablePointer<lxw_worksheet>, name: String) {
        self.workbook = workbook
        self.pointer = handle
        self.name = name
    }

    private func handle(_ operation: String) throws -> UnsafeMutablePointer<lxw_worksheet> {
        _ = try workbook.requireOpen(operation, context: "sheet '\(name)'")
        return pointer
    }

    private func location(_ row: Int, _ column: Int) -> String {
        "sheet '\(name)' cell \(CellReference.a1(row: row, column: column))"
    }

    private func cell(_ row: Int, _ column: Int, _ operation: String) throws -> (lxw_row_t, lxw_col_t) {
        guard (0..<Self.maxRows).contains(row), (0..<Self.maxColumns).contains(column) else {
            throw XlsxError(
                misuse: "row \(row + 1) or column \(column + 1) is outside Excel's limits", operation: operation,
                context: "sheet '\(name)'")
        }
        return (lxw_row_t(row), lxw_col_t(column))
    }

    private func note(width: Double, column: Int) {
        contentWidths[column] = max(contentWidths[column] ?? 0, width)
    }

    // MARK: - Cells

    /// Writes a number. See <https://libxlsxwriter.github.io/worksheet_8h.html>.
    public func write(number: Double, row: Int, column: Int, format: Format? = nil) throws {
        let op = "worksheet_write_number"
        let (r, c) = try cell(row, column, op)
        let sheet = try handle(op)
        try check(
            worksheet_write_number(sheet, r, c, number, try format?.handle(for: op)), op, context: location(row, column)
        )
        note(width: DisplayWidth.estimate(number: number, numberFormat: format?.numberFormat), column: column)
    }

    /// Writes text as text: a string starting with `=` is never a formula. Control characters,
    /// U+FFFE/U+FFFF and literal `_xHHHH_` are written with the OOXML `_xHHHH_` escape, so the
    /// cell reads back exactly as `string` (see ``XMLText``).
    /// - Parameter fitsWidth: whether ``fitColumns(minimum:maximum:padding:skip:)`` widens the
    ///   column for this text (titles that may overflow into empty cells say no).
    /// - Throws: ``XlsxError`` when the text is longer than Excel allows in a cell.
    public func write(string: String, row: Int, column: Int, format: Format? = nil, fitsWidth: Bool = true) throws {
        let op = "worksheet_write_string"
        let (r, c) = try cell(row, column, op)
        let sheet = try handle(op)
        let fmt = try format?.handle(for: op)
        try XMLText.withCString(string, as: .cell) { text in
            try check(worksheet_write_string(sheet, r, c, text, fmt), op, context: location(row, column))
        }
        if fitsWidth { note(width: DisplayWidth.of(string), column: column) }
    }

    /// Writes a formula together with its computed value, so readers that do not recalculate show it.
    /// - Parameter formula: e.g. `=SUM(C2:C34)`.
    public func write(formula: String, value: Double, row: Int, column: Int, format: Format? = nil) throws {
        let op = "worksheet_write_formula_num"
        let (r, c) = try cell(row, column, op)
        let sheet = try handle(op)
        let fmt = try format?.handle(for: op)
        try XMLText.withCString(formula, as: .plain) { text in
            try check(worksheet_write_formula_num(sheet, r, c, text, fmt, value), op, context: location(row, column))
        }
        note(width: DisplayWidth.estimate(number: value, numberFormat: format?.numberFormat), column: column)
    }

    /// Merges a range into one cell holding `string`.
    public func merge(
        firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int, string: String, format: Format? = nil
    ) throws {
        let op = "worksheet_merge_range"
        let (r1, c1) = try cell(firstRow, firstColumn, op)
        let (r2, c2) = try cell(lastRow, lastColumn, op)
        let sheet = try handle(op)
        let fmt = try format?.handle(for: op)
        try XMLText.withCString(string, as: .cell) { text in
            try check(
                worksheet_merge_range(sheet, r1, c1, r2, c2, text, fmt), op, context: location(firstRow, firstColumn))
        }
    }

    /// Protects the sheet without a password: only unlocked cells (``CellStyle/locked``) can be
    /// changed; cells may still be selected, and columns widened (with `insertingRows`, rows may
    /// also be inserted and deleted, for a table the user extends).
    public func protect(insertingRows: Bool = false) throws {
        let sheet = try handle("worksheet_protect")
        var options = lxw_protection()
        options.format_columns = 1
        options.format_rows = 1
        if insertingRows {
            options.insert_rows = 1
            options.delete_rows = 1
        }
        worksheet_protect(sheet, nil, &options)
    }

    /// What a cell accepts, with the message Excel and WPS show while typing and on a wrong entry.
    public struct Validation: Sendable {
        public enum Kind: Sendable {
            /// A whole number in `minimum...maximum`.
            case wholeNumber(minimum: Double, maximum: Double)
            /// A decimal number in `minimum...maximum`.
            case decimal(minimum: Double, maximum: Double)
            /// Text of exactly `length` characters.
            case textLength(Int)
            /// A formula that is true for an acceptable entry, written for the range's top-left
            /// cell (relative references move with each cell), without the leading `=`.
            case formula(String)
        }
        public var kind: Kind
        public var inputTitle: String
        public var inputMessage: String
        public var errorTitle: String
        public var errorMessage: String
        public init(kind: Kind, inputTitle: String, inputMessage: String, errorTitle: String, errorMessage: String) {
            self.kind = kind
            self.inputTitle = inputTitle
            self.inputMessage = inputMessage
            self.errorTitle = errorTitle
            self.errorMessage = errorMessage
        }
    }

    /// Adds data validation to a range (a wrong entry is refused, with ``Validation/errorMessage``).
    /// See <https://libxlsxwriter.github.io/working_with_data_validation.html>.
    public func validate(firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int, _ rule: Validation) throws {
        let op = "worksheet_data_validation_range"
        let (r1, c1) = try cell(firstRow, firstColumn, op)
        let (r2, c2) = try cell(lastRow, lastColumn, op)
        let sheet = try handle(op)
        var strings: [UnsafeMutablePointer<CChar>?] = []
        defer { for string in strings { free(string) } }
        func dup(_ value: String) -> UnsafeMutablePointer<CChar>? {
            let copy = XMLText.duplicate(value, as: .plain)
            strings.append(copy)
            return copy
        }
        var v = lxw_data_validation()
        switch rule.kind {
        case .wholeNumber(let minimum, let maximum):
            v.validate = UInt8(LXW_VALIDATION_TYPE_INTEGER.rawValue)
            v.criteria = UInt8(LXW_VALIDATION_CRITERIA_BETWEEN.rawValue)
            v.minimum_number = minimum
            v.maximum_number = maximum
        case .decimal(let minimum, let maximum):
            v.validate = UInt8(LXW_VALIDATION_TYPE_DECIMAL.rawValue)
            v.criteria = UInt8(LXW_VALIDATION_CRITERIA_BETWEEN.rawValue)
            v.minimum_number = minimum
            v.maximum_number = maximum
        case .textLength(let length):
            v.validate = UInt8(LXW_VALIDATION_TYPE_LENGTH.rawValue)
            v.criteria = UInt8(LXW_VALIDATION_CRITERIA_EQUAL_TO.rawValue)
            v.value_number = Double(length)
        case .formula(let formula):
            v.validate = UInt8(LXW_VALIDATION_TYPE_CUSTOM_FORMULA.rawValue)
            v.value_formula = dup("=" + formula)
        }
        v.ignore_blank = UInt8(LXW_VALIDATION_ON.rawValue)
        v.show_input = UInt8(LXW_VALIDATION_ON.rawValue)
        v.show_error = UInt8(LXW_VALIDATION_ON.rawValue)
        v.error_type = UInt8(LXW_VALIDATION_ERROR_TYPE_STOP.rawValue)
        // Excel limits: titles 32 characters, messages 255.
        v.input_title = dup(String(rule.inputTitle.prefix(32)))
        v.input_message = dup(String(rule.inputMessage.prefix(255)))
        v.error_title = dup(String(rule.errorTitle.prefix(32)))
        v.error_message = dup(String(rule.errorMessage.prefix(255)))
        try check(
            worksheet_data_validation_range(sheet, r1, c1, r2, c2, &v), op, context: location(firstRow, firstColumn))
    }

    /// Writes an empty cell that carries a format.
    public func writeBlank(row: Int, column: Int, format: Format) throws {
        let op = "worksheet_write_blank"
        let (r, c) = try cell(row, column, op)
        let sheet = try handle(op)
        try check(worksheet_write_blank(sheet, r, c, try format.handle(for: op)), op, context: location(row, column))
    }

    /// Writes a hyperlink to a cell of a sheet in this workbook, shown as `text`.
    public func writeLink(
        toSheet target: String, cell targetCell: String = "A1", text: String, row: Int, column: Int,
        format: Format? = nil
    ) throws {
        let op = "worksheet_write_url_opt"
        let (r, c) = try cell(row, column, op)
        let sheet = try handle(op)
        let fmt = try format?.handle(for: op)
        let escaped = target.replacingOccurrences(of: "'", with: "''")
        let url = "internal:'\(escaped)'!\(targetCell)"
        try XMLText.withCString(url, as: .plain) { cURL in
            try XMLText.withCString(text, as: .cellAndAttribute) { cText in
                try check(
                    worksheet_write_url_opt(sheet, r, c, cURL, fmt, cText, nil), op, context: location(row, column))
            }
        }
        note(width: DisplayWidth.of(text), column: column)
    }

    // MARK: - Layout

    /// Sets the width of columns `first...last` in Excel character units.
    public func setColumns(_ first: Int, _ last: Int, width: Double, format: Format? = nil) throws {
        let op = "worksheet_set_column"
        let (_, c1) = try cell(0, first, op)
        let (_, c2) = try cell(0, last, op)
        let sheet = try handle(op)
        try check(
            worksheet_set_column(sheet, c1, c2, width, try format?.handle(for: op)), op,
            context: "sheet '\(name)' columns \(first + 1)-\(last + 1)")
    }

    /// Sets every written column's width from its widest content (libxlsxwriter has no autofit).
    /// - Parameters:
    ///   - minimum: the narrowest width given.
    ///   - maximum: the widest width given; longer text wraps or is cut off on screen.
    ///   - skip: columns whose width the caller sets itself.
    public func fitColumns(minimum: Double = 6, maximum: Double = 60, padding: Double = 2, skip: Set<Int> = []) throws {
        for (column, width) in contentWidths.sorted(by: { $0.key < $1.key }) where !skip.contains(column) {
            try setColumns(column, column, width: min(max(width + padding, minimum), maximum))
        }
    }

    /// Sets a row's height in points.
    public func setRow(_ row: Int, height: Double, format: Format? = nil) throws {
        let op = "worksheet_set_row"
        let (r, _) = try cell(row, 0, op)
        let sheet = try handle(op)
        try check(
            worksheet_set_row(sheet, r, height, try format?.handle(for: op)), op,
            context: "sheet '\(name)' row \(row + 1)")
    }

    /// Freezes the rows above `row` and the columns left of `column`.
    public func freezePanes(row: Int, column: Int) throws {
        let op = "worksheet_freeze_panes"
        let (r, c) = try cell(row, column, op)
        worksheet_freeze_panes(try handle(op), r, c)
    }

    /// Adds an autofilter over a range that has its header in `firstRow`.
    public func autofilter(firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int) throws {
        let op = "worksheet_autofilter"
        let (r1, c1) = try cell(firstRow, firstColumn, op)
        let (r2, c2) = try cell(lastRow, lastColumn, op)
        try check(worksheet_autofilter(try handle(op), r1, c1, r2, c2), op, context: "sheet '\(name)'")
    }

    /// Makes this the sheet shown when the file is opened.
    public func activate() throws {
        worksheet_activate(try handle("worksheet_activate"))
    }

    /// Hides the sheet (it cannot be the active sheet).
    public func hide() throws {
        worksheet_hide(try handle("worksheet_hide"))
    }

    /// Hides the screen gridlines (print gridlines stay off as by default).
    public func hideGridlines() throws {
        worksheet_gridlines(try handle("worksheet_gridlines"), UInt8(LXW_HIDE_ALL_GRIDLINES.rawValue))
    }

    /// Colours the sheet tab (RGB).
    public func setTabColor(_ rgb: UInt32) throws {
        worksheet_set_tab_color(try handle("worksheet_set_tab_color"), lxw_color_t(rgb))
    }

    // MARK: - Tables

    /// Adds an Excel table (a "ListObject") over a range whose first row is the header row.
    ///
    /// The header cells are written by libxlsxwriter from `columns`; write the data rows before or
    /// after. Column headers must be unique within the table.
    /// See <https://libxlsxwriter.github.io/working_with_tables.html>.
    public func addTable(
        firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int,
        name: String? = nil, columns: [String], headerFormat: Format? = nil, style: TableStyle = .light(9),
        bandedRows: Bool = true
    ) throws {
        let op = "worksheet_add_table"
        let (r1, c1) = try cell(firstRow, firstColumn, op)
        let (r2, c2) = try cell(lastRow, lastColumn, op)
        guard columns.count == lastColumn - firstColumn + 1 else {
            throw XlsxError(
                misuse: "\(columns.count) column headers for \(lastColumn - firstColumn + 1) columns", operation: op,
                context: "sheet '\(name ?? self.name)'")
        }
        // Checked as they will be written, so that two headers made equal by XMLText are refused.
        guard Set(columns.map { XMLText.safe($0, as: .cellAndAttribute) }).count == columns.count else {
            throw XlsxError(
                misuse: "table column headers must be unique: \(columns)", operation: op,
                context: "sheet '\(self.name)'")
        }
        let sheet = try handle(op)
        let headerHandle = try headerFormat?.handle(for: op)
        var allocated: [UnsafeMutableRawPointer?] = []
        defer { for pointer in allocated { free(pointer) } }
        var columnStructs: [UnsafeMutablePointer<lxw_table_column>?] = columns.map { header in
            let column = UnsafeMutablePointer<lxw_table_column>.allocate(capacity: 1)
            column.initialize(to: lxw_table_column())
            let cHeader = XMLText.duplicate(header, as: .cellAndAttribute)
            allocated.append(UnsafeMutableRawPointer(cHeader))
            column.pointee.header = cHeader
            column.pointee.header_format = headerHandle
            return column
        }
        defer { for column in columnStructs { column?.deallocate() } }
        columnStructs.append(nil)  // NULL terminator
        let cName = XMLText.duplicate(name, as: .plain)
        allocated.append(UnsafeMutableRawPointer(cName))
        try columnStructs.withUnsafeMutableBufferPointer { buffer in
            var options = lxw_table_options()
            options.name = cName
            options.no_banded_rows = bandedRows ? 0 : 1
            options.style_type = style.type
            options.style_type_number = style.number
            options.columns = buffer.baseAddress
            try check(
                worksheet_add_table(sheet, r1, c1, r2, c2, &options), op,
                context:
                    "sheet '\(self.name)' range \(CellReference.a1(row: firstRow, column: firstColumn)):\(CellReference.a1(row: lastRow, column: lastColumn))"
            )
        }
        for (offset, header) in columns.enumerated() {
            note(width: DisplayWidth.of(header) + 2, column: firstColumn + offset)
        }
    }

    // MARK: - Charts

    /// Places a chart with its top-left corner at a cell.
    public func insert(chart: Chart, row: Int, column: Int, xScale: Double = 1, yScale: Double = 1) throws {
        let op = "worksheet_insert_chart_opt"
        let (r, c) = try cell(row, column, op)
        let sheet = try handle(op)
        let chartHandle = try chart.handle(op)
        var options = lxw_chart_options()
        options.x_scale = xScale
        options.y_scale = yScale
        try check(worksheet_insert_chart_opt(sheet, r, c, chartHandle, &options), op, context: location(row, column))
    }

    // MARK: - Printing

    public enum Orientation: Sendable { case portrait, landscape }

    /// Page set-up for printing: orientation, paper (9 = A4), fit to `fitWidth` pages wide and
    /// `fitHeight` pages tall (0 = as many as needed), rows repeated on every page, header and footer.
    ///
    /// Header/footer strings use Excel's codes: `&L`, `&C`, `&R` for sections, `&P` page, `&N` pages.
    /// See <https://libxlsxwriter.github.io/worksheet_8h.html>.
    public func setUpPrinting(
        orientation: Orientation = .landscape, paper: UInt8 = 9, fitWidth: Int = 1, fitHeight: Int = 0,
        repeatRows: ClosedRange<Int>? = nil, header: String? = nil, footer: String? = nil,
        centerHorizontally: Bool = true
    ) throws {
        let op = "worksheet print set-up"
        let sheet = try handle(op)
        switch orientation {
        case .landscape: worksheet_set_landscape(sheet)
        case .portrait: worksheet_set_portrait(sheet)
        }
        worksheet_set_paper(sheet, paper)
        worksheet_fit_to_pages(sheet, UInt16(clamping: fitWidth), UInt16(clamping: fitHeight))
        if centerHorizontally { worksheet_center_horizontally(sheet) }
        if let repeatRows {
            let (r1, _) = try cell(repeatRows.lowerBound, 0, "worksheet_repeat_rows")
            let (r2, _) = try cell(repeatRows.upperBound, 0, "worksheet_repeat_rows")
            try check(worksheet_repeat_rows(sheet, r1, r2), "worksheet_repeat_rows", context: "sheet '\(name)'")
        }
        if let header {
            try XMLText.withCString(header, as: .plain) {
                try check(worksheet_set_header(sheet, $0), "worksheet_set_header", context: "sheet '\(name)'")
            }
        }
        if let footer {
            try XMLText.withCString(footer, as: .plain) {
                try check(worksheet_set_footer(sheet, $0), "worksheet_set_footer", context: "sheet '\(name)'")
            }
        }
    }
}

/// Built-in Excel table styles.
public enum TableStyle: Sendable, Equatable {
    case light(Int)
    case medium(Int)
    case dark(Int)

    var type: UInt8 {
        switch self {
        case .light: UInt8(LXW_TABLE_STYLE_TYPE_LIGHT.rawValue)
        case .medium: UInt8(LXW_TABLE_STYLE_TYPE_MEDIUM.rawValue)
        case .dark: UInt8(LXW_TABLE_STYLE_TYPE_DARK.rawValue)
        }
    }

    var number: UInt8 {
        switch self {
        case .light(let n), .medium(let n), .dark(let n): UInt8(clamping: n)
        }
    }
}

/// A1-style cell references.
public enum CellReference {
    /// `A`, `B`, …, `Z`, `AA`, … for a zero-based column.
    public static func column(_ column: Int) -> String {
        var n = column + 1
        var letters: [Character] = []
        while n > 0 {
            let rem = (n - 1) % 26
            letters.append(Character(UnicodeScalar(UInt8(65 + rem))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }

    /// `A1` for `row: 0, column: 0`; with `absolute`, `$A$1`.
    public static func a1(row: Int, column: Int, absolute: Bool = false) -> String {
        absolute ? "$\(Self.column(column))$\(row + 1)" : "\(Self.column(column))\(row + 1)"
    }

    /// A reference to a range on a named sheet, for charts and formulas: `'Sheet 1'!$B$2:$B$9`.
    public static func range(sheet: String, firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int) -> String {
        let quoted = "'" + sheet.replacingOccurrences(of: "'", with: "''") + "'"
        return
            "\(quoted)!\(a1(row: firstRow, column: firstColumn, absolute: true)):\(a1(row: lastRow, column: lastColumn, absolute: true))"
    }
}
