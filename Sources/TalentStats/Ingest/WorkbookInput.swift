import Foundation
import XlsxReader

/// A workbook under `raw/` read as a table: its first visible sheet holds a long or wide table with
/// the same header contract as a CSV file (the header may sit below a title: the first of the first
/// ``headerSearchRows`` rows that reads as a header is the header). Its rows become batches of the
/// same ``RawRow``s a CSV file gives, so validation, reject codes and row accounting are the same;
/// their lines are sheet row numbers and their columns sheet columns, located as `path!sheet`.
enum WorkbookInput {
    /// Rows searched for the header (titles and notes above a table are common).
    static let headerSearchRows = 20

    /// The spreadsheet formats read or refused by extension (lower case, without the dot).
    static func isWorkbook(_ path: String) -> Bool { kind(path) != nil }

    static func kind(_ path: String) -> String? {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        return ["xlsx", "xlsm", "xls", "xlsb", "et", "ett", "ods"].contains(ext) ? ext : nil
    }

    static func open(
        _ file: InputFile, reference: ReferenceData, limits: IngestLimits, stamp: FileStamp?, hash: BackgroundHash
    ) -> Result<FileReader, FileRefusal> {
        let ext = kind(file.relativePath) ?? "xlsx"
        var facts = FileFacts(file: file, bytes: Int(stamp?.size ?? 0), sha256: "", encoding: nil, layout: nil)
        func refuse(_ message: String) -> Result<FileReader, FileRefusal> {
            facts.sha256 = hash.wait()
            return .failure(FileRefusal(.rejected(facts, message: message)))
        }
        guard let stamp else {
            return refuse(
                "cannot read the file: it cannot be examined (removed while the run started, or a link whose target does not exist)"
            )
        }
        guard stamp.isRegular else {
            return refuse("cannot read the file: not a regular file (a pipe, a socket or a device)")
        }
        switch ext {
        case "xlsb":
            return refuse(
                "an Excel binary workbook (.xlsb) is not read: open it in Excel and save it as an Excel workbook (.xlsx) / 请另存为 .xlsx 后报送"
            )
        case "ods":
            return refuse(
                "an OpenDocument spreadsheet (.ods) is not read: open it in LibreOffice, WPS or Excel and save it as an Excel workbook (.xlsx) / 请另存为 .xlsx 后报送"
            )
        default: break
        }
        // Open the file by its bytes (a GBK name is not a String path) and read it through the
        // descriptor, so the file read is the one stamped even if it is replaced meanwhile.
        let fd = openForReading(file.path)
        guard fd >= 0 else { return refuse("cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let document: XlsxDocument
        do {
            document = try XlsxDocument(path: "/proc/self/fd/\(fd)")
        } catch let failure as XlsxFailure {
            if failure.kind == .compoundFile || ext == "xls" || ext == "et" || ext == "ett" {
                return refuse(
                    ext == "xlsx" || ext == "xlsm"
                        ? "\(failure.description) / \(failure.chinese)"
                        : "an old binary workbook (.\(ext)) is not read: open it in Excel or WPS and save it as an Excel workbook (.xlsx) / 旧版工作簿（.\(ext)）无法读取：请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再报送"
                )
            }
            return refuse("\(failure.description) / \(failure.chinese)")
        } catch {
            return refuse("cannot read the workbook: \(error)")
        }
        // (An .xlsx named .xls is read: what decides is its bytes, not its name.)
        guard
            let sheet = document.sheets.first(where: { $0.name == limits.workbookSheet })
                ?? document.sheets.first(where: { $0.name == FormLayout.sheetName })
                ?? document.sheets.first(where: { $0.state == "visible" }) ?? document.sheets.first
        else {
            return refuse("the workbook has no sheet / 工作簿中没有工作表")
        }
        let rows: [XlsxRow]
        do {
            rows = try document.rows(of: sheet)
        } catch let failure as XlsxFailure {
            return refuse("\(failure.description) / \(failure.chinese)")
        } catch {
            return refuse("cannot read sheet “\(sheet.name)”: \(error)")
        }
        guard FileStamp(path: file.path) == stamp else { return refuse(FileReader.changedMessage) }

        // The header: the first row, among the first few, that reads as one.
        var firstProblem: String?
        var header: (index: Int, layout: FileLayout, count: Int)?
        for (i, row) in rows.prefix(headerSearchRows).enumerated() {
            let names = texts(row)
            switch FileLayout.detect(header: names, reference: reference) {
            case .success(let layout):
                header = (i, layout, names.count)
            case .failure(let problem):
                if firstProblem == nil { firstProblem = "header on row \(row.number): \(problem.message)" }
            }
            if header != nil { break }
        }
        guard let header else {
            return refuse(
                "sheet “\(sheet.name)”: "
                    + (firstProblem
                        ?? "the sheet is empty; expected a header row (period, district, metric, value …)"))
        }
        var format = FileFormat(encoding: .utf8, layout: header.layout, headerCount: header.count)
        // In messages and rejects.csv: invisible characters shown escaped, as in file names.
        format.sheet = FileName.display(Array(sheet.name.utf8)).text
        format.headerLine = rows[header.index].number
        // A returned form: its marker says what its locked cells must still say.
        switch FormMarker.read(document.customProperties) ?? FormMarker.read(definedNames: document.definedNames) {
        case .failure(let problem)?:
            return refuse("\(problem.message) / 填报表无法识别，请使用本月下发的填报表重新填写")
        case .success(let marker)?:
            facts.form = marker  // kept if the form is refused: 报送情况 names the district whose form it was
            let texted = rows.map { (number: $0.number, cells: texts($0)) }
            if format.headerLine != FormLayout.headerRow {
                return refuse(
                    "a form whose header is on row \(format.headerLine), not row \(FormLayout.headerRow): rows were added or removed; fill in a fresh form / 填报表的行被增删，请使用本月下发的填报表重新填写"
                )
            }
            if let problem = FormLayout.check(marker, sheet: sheet.name, rows: texted, reference: reference) {
                return refuse("\(problem.message) / 填报表的锁定内容被改动或与表单标识不符，请使用本月下发的填报表重新填写")
            }
            format.form = marker
        case nil: break
        }
        let mainRows = rows[(header.index + 1)...]
        var sheets = [SheetBatches(rows: mainRows, format: format)]
        if let marker = format.form {
            // A form sent with the enterprise sheet must come back with it (and one sent without it
            // cannot bring one: its rows would have nowhere to go).
            let detailSheet = document.sheets.first { $0.name == FormLayout.detailSheetName }
            switch (marker.detail, detailSheet) {
            case (true, nil):
                return refuse(
                    "a form sent with its sheet \(FormLayout.detailSheetName) comes back without it (renamed or removed); fill in a fresh form / 填报表的“\(FormLayout.detailSheetName)”工作表被改名或删除，请使用本月下发的填报表重新填写"
                )
            case (false, _?):
                return refuse(
                    "a form sent without the sheet \(FormLayout.detailSheetName) comes back with one; enterprise rows go in a form sent with it (talentstats template --enterprise) / 本填报表未下发“\(FormLayout.detailSheetName)”工作表，企业明细请使用含该表的填报表报送"
                )
            case (true, let detailSheet?):
                let detailRows: [XlsxRow]
                do {
                    detailRows = try document.rows(of: detailSheet)
                } catch let failure as XlsxFailure {
                    return refuse("\(failure.description) / \(failure.chinese)")
                } catch {
                    return refuse("cannot read sheet “\(detailSheet.name)”: \(error)")
                }
                let expected = FormLayout.detailColumns(reference)
                let found = detailRows.first { $0.number == FormLayout.headerRow }.map(texts) ?? []
                guard found.map({ TextNormalization.clean($0) }) == expected.map({ TextNormalization.clean($0) }) else {
                    return refuse(
                        "a form whose sheet \(FormLayout.detailSheetName) has not the header \(expected.joined(separator: "|")) on row \(FormLayout.headerRow): locked cells were changed; fill in a fresh form / “\(FormLayout.detailSheetName)”表头被改动，请使用本月下发的填报表重新填写"
                    )
                }
                guard let district = reference.districts.first(where: { $0.code == marker.district }) else {
                    return refuse("a form for district \(marker.district), which districts.csv does not list")
                }
                format.detail = (
                    FileName.display(Array(detailSheet.name.utf8)).text, FormLayout.detailLayout(reference)
                )
                let detailBody = detailRows.drop { $0.number <= FormLayout.headerRow }
                let totals = FormTotals.check(
                    marker: marker, main: mainRows, detail: detailBody, format: format, reference: reference)
                sheets = [
                    SheetBatches(
                        rows: mainRows, format: format, skip: totals.checkTotals, rejected: totals.rejected[0]),
                    SheetBatches(
                        rows: detailBody, format: format.detailFormat!, rejected: totals.rejected[1],
                        fixed: (expected.count, [marker.period.description, district.code])),
                ]
            case (false, nil): break
            }
        }
        facts = FileFacts(
            file: file, bytes: Int(stamp.size), sha256: "", encoding: .utf8, layout: header.layout.kind)
        facts.format = format
        facts.form = format.form
        return .success(FileReader(facts: facts, format: format, sheets: sheets, stamp: stamp, hash: hash))
    }

    /// The text of each cell of a row, by column from A to its last cell (empty where it has none).
    static func texts(_ row: XlsxRow) -> [String] {
        guard let last = row.cells.last?.column else { return [] }
        var out = Array(repeating: "", count: last)
        for (column, value) in row.cells { out[column - 1] = text(value) }
        return out
    }

    /// A cell as the text a CSV file would hold: numbers as written (to Excel's 15 digits), a date
    /// as its month (a period typed as a date), an error or a formula without a result as itself.
    static func text(_ value: XlsxValue) -> String {
        switch value {
        case .text(let s): s
        case .number(let s): s
        case .date(let y, let m, _): String(format: "%04d-%02d", y, m)
        case .bool(let b): b ? "TRUE" : "FALSE"
        case .error(let e): e
        case .formulaWithoutValue(let f): f
        }
    }
}

/// A sheet's rows after its header, handed out in batches like a CSV file's records.
final class SheetBatches {
    private let rows: ArraySlice<XlsxRow>
    private let format: FileFormat
    private var next: Int

    /// The 1-based column of the period, if the layout has one in the sheet.
    private let periodColumn: Int
    /// Rows that are not observations (a form's control totals, ``FormTotals``).
    private let skip: Set<Int>
    /// Cells rejected before the field rules (``FormTotals``): row → column → why.
    private let rejected: [Int: [Int: BatchCellRejection]]
    /// For a form's enterprise sheet: the cells the sheet does not have, appended to each row after
    /// its `realColumns` (the period and the district, from the marker).
    private let fixed: (realColumns: Int, cells: [String])?
    /// The columns holding values (``valueColumns(_:)``).
    private let valueColumns: Set<Int>

    init(
        rows: ArraySlice<XlsxRow>, format: FileFormat, skip: Set<Int> = [],
        rejected: [Int: [Int: BatchCellRejection]] = [:], fixed: (realColumns: Int, cells: [String])? = nil
    ) {
        self.rows = rows
        next = rows.startIndex
        self.format = format
        self.skip = skip
        self.rejected = rejected
        self.fixed = fixed
        periodColumn = fixed == nil ? (format.layout.index(of: .period) ?? -1) + 1 : 0
        valueColumns = Self.valueColumns(format.layout)
    }

    /// The 1-based columns that hold values (the metric columns of the wide layout, or the value
    /// column): a problem of one of their cells is that observation's, not the row's.
    static func valueColumns(_ layout: FileLayout) -> Set<Int> {
        Set(
            layout.columns.enumerated().compactMap { i, c in
                switch c {
                case .metricValues, .value: i + 1
                default: nil
                }
            })
    }

    /// What makes a whole row unusable before the field rules: a formula without a result in a
    /// column the layout reads other than a value column, a period typed as a number with
    /// decimals, or (with `realColumns`) a value beyond the sheet's columns.
    static func rowProblem(_ row: XlsxRow, layout: FileLayout, realColumns: Int?, periodColumn: Int)
        -> (line: Int, column: Int, text: String, kind: RecordBatch.CellProblem)?
    {
        let values = valueColumns(layout)
        func isUsed(_ column: Int) -> Bool {
            column - 1 < layout.columns.count && layout.columns[column - 1] != .note && !values.contains(column)
        }
        for (c, value) in row.cells {
            if let realColumns, c > realColumns, !TextNormalization.clean(WorkbookInput.text(value)).isEmpty {
                return (row.number, c, WorkbookInput.text(value), .record)
            }
            if case .formulaWithoutValue(let f) = value, isUsed(c) { return (row.number, c, f, .uncalculatedFormula) }
            if case .number(let n) = value, c == periodColumn, n.contains(".") {
                return (row.number, c, n, .numericPeriod)
            }
            // A credit code stored as a number keeps only Excel's 15 significant digits: the code
            // read is not the one typed (and may even pass the check character).
            if case .number(let n) = value, layout.creditCodes, c - 1 < layout.columns.count,
                layout.columns[c - 1] == .entity
            {
                return (row.number, c, n, .numericCode)
            }
        }
        return nil
    }

    /// Whether the value cell at `column` of `row` reaches the field rules: its row has no problem
    /// (``rowProblem(_:layout:realColumns:periodColumn:)``) and the cell none of its own.
    static func isUsable(_ row: XlsxRow, column: Int, layout: FileLayout, realColumns: Int?, periodColumn: Int) -> Bool
    {
        rowProblem(row, layout: layout, realColumns: realColumns, periodColumn: periodColumn) == nil
            && (row.cells.first { $0.column == column }.map { cellProblem(row, column: column, value: $0.value) == nil }
                ?? true)
    }

    /// What makes one value cell unusable before the field rules: a formula without a result, or a
    /// value copied from a merged range (one typed value is not several observations).
    static func cellProblem(_ row: XlsxRow, column: Int, value: XlsxValue) -> RecordBatch.CellProblem? {
        if case .formulaWithoutValue = value { return .uncalculatedFormula }
        if row.merged.contains(column), !TextNormalization.clean(WorkbookInput.text(value)).isEmpty {
            return .mergedValue
        }
        return nil
    }

    /// The next batch, or `nil` after the last row.
    func nextBatch(_ mapper: ObservationMapper) -> RecordBatch? {
        guard next < rows.endIndex else { return nil }
        let end = min(rows.endIndex, next + RecordBatch.targetRows)
        // The cells' bytes, row after row, then the rows made of them.
        var bytes: [UInt8] = []
        var fieldBounds: [[Int]] = []
        var cellProblems: [(line: Int, column: Int, text: String, kind: RecordBatch.CellProblem)?] = []
        var cellRejections: [[(column: Int, why: BatchCellRejection)]] = []
        var badValues: [[(column: Int, text: String, kind: RecordBatch.CellProblem)]] = []
        for row in rows[next..<end] {
            let mainFormRow = format.form != nil && fixed == nil
            if skip.contains(row.number)
                || (mainFormRow && !row.cells.contains(where: { $0.column == FormLayout.valueColumn + 1 }))
            {
                // A form's metric left empty: not reported this month (as an empty cell of the wide
                // layout), not an observation; or a control total.
                fieldBounds.append([])
                cellProblems.append(nil)
                cellRejections.append([])
                badValues.append([])
                continue
            }
            let problem = Self.rowProblem(
                row, layout: format.layout, realColumns: fixed?.realColumns, periodColumn: periodColumn)
            var refused = problem == nil ? (rejected[row.number] ?? [:]) : [:]
            if mainFormRow, !refused.isEmpty {
                // The form's row is one observation: the whole row is the rejection.
                fieldBounds.append([])
                cellProblems.append(nil)
                cellRejections.append(refused.map { ($0.key, $0.value) })
                badValues.append([])
                continue
            }
            var bounds: [Int] = []
            var column = 1
            func empty() {
                bounds.append(bytes.count)
                bounds.append(bytes.count)
                column += 1
            }
            var bad: [(column: Int, text: String, kind: RecordBatch.CellProblem)] = []
            for (c, value) in row.cells {
                if let fixed, c > fixed.realColumns { break }
                while column < c { empty() }
                if refused[c] != nil {
                    empty()  // rejected on its own row below
                    continue
                }
                if problem == nil, valueColumns.contains(c), let kind = Self.cellProblem(row, column: c, value: value) {
                    bad.append((c, WorkbookInput.text(value), kind))
                    empty()  // rejected on its own row below
                    continue
                }
                let start = bytes.count
                bytes.append(contentsOf: WorkbookInput.text(value).utf8)
                bounds.append(start)
                bounds.append(bytes.count)
                column += 1
            }
            if let fixed {
                while column <= fixed.realColumns { empty() }
                for cell in fixed.cells {
                    let start = bytes.count
                    bytes.append(contentsOf: cell.utf8)
                    bounds.append(start)
                    bounds.append(bytes.count)
                }
            }
            // In the long layout the row is the observation: a bad value cell is the whole row.
            fieldBounds.append(format.layout.kind == .long && !bad.isEmpty ? [] : bounds)
            cellProblems.append(problem)
            cellRejections.append(refused.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            badValues.append(bad)
            refused = [:]
        }
        let block = ByteBlock(capacity: max(bytes.count, 1))
        bytes.withUnsafeBufferPointer { block.base.update(from: $0.baseAddress!, count: bytes.count) }
        var batch = RecordBatch(block: block)
        for (k, row) in rows[next..<end].enumerated() {
            if let (line, column, text, kind) = cellProblems[k] {
                let cell = "\(Rejection.columnLetters(column))\(line)"
                let message =
                    switch kind {
                    case .mergedValue: ""
                    case .numericCode:
                        "cell \(cell) holds the unified social credit code as a number (\(text)), which keeps only 15 significant digits, so the code read is not the one typed: format the column as text and type or paste the code again"
                    case .totalMismatch: ""
                    case .numericPeriod:
                        "cell \(cell) holds the period as the number \(text), which Excel shows by the cell's format (2024.1 may read 2024.10): type the period as text, such as 2024-10, or as a date"
                    case .uncalculatedFormula:
                        "cell \(cell) holds the formula \(TextNormalization.excerpt(text)) without a calculated result: open the workbook in Excel or WPS and save it, or type the value"
                    default:
                        "cell \(cell) has a value beyond the header's \(fixed?.realColumns ?? format.headerCount) columns; give the column a header or clear it"
                    }
                batch.appendProblem(
                    line: line, message: message, column: column, found: TextNormalization.excerpt(text), kind: kind,
                    chinese: kind == .record
                        ? "\(cell)单元格在表头各列之外有内容：请为该列加上表头，或清除该单元格"
                        : kind == .numericCode
                            ? "\(cell)单元格的统一社会信用代码以数字形式保存，只保留 15 位有效数字，读到的已不是所填代码：请将该列设为文本格式后重新填写或粘贴" : nil)
                continue
            }
            for (column, text, kind) in badValues[k] {
                let cell = "\(Rejection.columnLetters(column))\(row.number)"
                batch.appendProblem(
                    line: row.number,
                    message: kind == .mergedValue
                        ? "cell \(cell) is part of a merged range: its value was typed once, in the range's first cell, and is not a value of its own; unmerge the cells and type each value"
                        : "cell \(cell) holds the formula \(TextNormalization.excerpt(text)) without a calculated result: open the workbook in Excel or WPS and save it, or type the value",
                    column: column, found: TextNormalization.excerpt(text), kind: kind)
            }
            for (column, why) in cellRejections[k] {
                batch.appendProblem(
                    line: row.number, message: "cell \(Rejection.columnLetters(column))\(row.number): \(why.english)",
                    column: column, found: why.found, kind: .totalMismatch,
                    chinese: "\(Rejection.columnLetters(column))\(row.number)单元格：\(why.chinese)")
            }
            var bounds = fieldBounds[k]
            guard !bounds.isEmpty else { continue }
            bounds.withUnsafeMutableBufferPointer { b in
                let view = RecordView(
                    line: row.number, offset: 0, count: b.count / 2, base: block.base, bounds: b.baseAddress!)
                mapper.append(view, to: &batch)
            }
        }
        next = end
        return batch
    }
}

/// A descriptor for reading `path` (its bytes: any name), without blocking on a pipe.
private func openForReading(_ path: SystemPath) -> Int32 {
    path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
}
