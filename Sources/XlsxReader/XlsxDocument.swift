import Foundation
import ZIPFoundation

/// Limits that keep a hostile or broken workbook from exhausting memory or time. They are checked
/// while inflating, so a part that lies about its size is stopped at the limit, not after it.
public struct XlsxLimits: Sendable {
    /// The most bytes one part (a sheet's XML, the shared strings) may inflate to.
    public var maxPartBytes: Int
    /// The most bytes all parts read from one workbook may inflate to.
    public var maxTotalBytes: Int
    /// The largest ratio of inflated to compressed bytes of a part (above it: a zip bomb). Spreadsheet
    /// XML compresses well (20–60×), so the limit is generous.
    public var maxRatio: Int
    /// Excel's own limits.
    public var maxRows: Int
    public var maxColumns: Int

    public init(
        maxPartBytes: Int = 1 << 30, maxTotalBytes: Int = 2 << 30, maxRatio: Int = 200, maxRows: Int = 1_048_576,
        maxColumns: Int = 16_384
    ) {
        self.maxPartBytes = maxPartBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxRatio = maxRatio
        self.maxRows = maxRows
        self.maxColumns = maxColumns
    }

    public static let `default` = XlsxLimits()
}

/// Why a workbook cannot be read, in words a district's clerk can act on.
public struct XlsxFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// An OLE2 compound file: an old .xls/.et workbook, or a workbook saved with a password.
        case compoundFile
        case notZip
        case missingPart
        case malformedPart
        case tooLarge
        case beyondExcelLimits
        case noSheet
    }
    public let kind: Kind
    /// English, with what to do.
    public let description: String
    /// Chinese, for the clerk.
    public let chinese: String

    init(_ kind: Kind, _ description: String, chinese: String) {
        self.kind = kind
        self.description = description
        self.chinese = chinese
    }
}

/// A cell's value as the workbook holds it.
public enum XlsxValue: Sendable, Equatable {
    /// A string (shared, inline, or a formula's text result).
    case text(String)
    /// A number, as a decimal of at most 15 significant digits (Excel's precision), e.g. `28776.21`.
    case number(String)
    /// A number formatted as a date or time: its calendar day (1900 or 1904 date system).
    case date(year: Int, month: Int, day: Int)
    case bool(Bool)
    /// An error value such as `#N/A` or `#DIV/0!`.
    case error(String)
    /// A formula the writer saved without its result (never calculated): its text.
    case formulaWithoutValue(String)
}

/// One row of a sheet: its 1-based row number and its non-empty cells by 1-based column, in order.
public struct XlsxRow: Sendable {
    public let number: Int
    public var cells: [(column: Int, value: XlsxValue)]
    /// Columns whose value was copied from a merged range's top-left cell (not typed there).
    public var merged: Set<Int> = []

    public init(number: Int, cells: [(column: Int, value: XlsxValue)]) {
        self.number = number
        self.cells = cells
    }
}

/// A sheet of a workbook, as listed in it.
public struct XlsxSheetInfo: Sendable, Equatable {
    public let name: String
    /// The part holding it, e.g. `xl/worksheets/sheet1.xml`.
    public let part: String
    /// `visible`, `hidden` or `veryHidden`.
    public let state: String
}

/// An .xlsx (or .xlsm) workbook opened for reading: its sheets, shared strings, date styles and
/// custom document properties. Sheets are read one at a time, streamed from the zip through
/// ``XMLScanner``: neither the archive nor a sheet's XML is ever held whole.
public final class XlsxDocument {
    public let sheets: [XlsxSheetInfo]
    /// Custom document properties (docProps/custom.xml), by name, as text.
    public let customProperties: [String: String]
    /// Defined names (xl/workbook.xml), by name, as their formula text.
    public let definedNames: [String: String]

    private let archive: Archive
    /// The package's parts by name, lower-cased: part names ignore case (ECMA-376 Part 2).
    private let entries: [String: Entry]
    private let limits: XlsxLimits
    private let sharedStrings: [String]
    /// By cell style index: whether its number format shows a date or time.
    private let dateStyles: [Bool]
    private let date1904: Bool
    private var inflated = 0

    /// The first bytes of an OLE2 compound file (.xls, .et, or a password-protected .xlsx).
    static let compoundFileMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    public init(path: String, limits: XlsxLimits = .default) throws {
        self.limits = limits
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw XlsxFailure(.notZip, "cannot open the file", chinese: "无法打开该文件")
        }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        try? handle.close()
        if head == Self.compoundFileMagic {
            throw XlsxFailure(
                .compoundFile,
                "an old binary workbook (.xls/.et) or a workbook protected with a password: open it in Excel or WPS, remove any password (文件 → 信息/文档加密), and save it as an Excel workbook (.xlsx)",
                chinese: "该文件为旧版二进制工作簿（.xls/.et）或设置了打开密码：请用 Excel 或 WPS 打开，取消密码后“另存为”Excel 工作簿（.xlsx）再报送")
        }
        guard head.count >= 4, head[0] == 0x50, head[1] == 0x4B else {
            throw XlsxFailure(
                .notZip,
                "not an .xlsx workbook (its bytes are not a zip package): save it from Excel or WPS as an Excel workbook (.xlsx)",
                chinese: "该文件不是有效的 .xlsx 工作簿：请用 Excel 或 WPS “另存为”Excel 工作簿（.xlsx）")
        }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw XlsxFailure(
                .notZip,
                "the workbook is damaged or incomplete (its zip directory cannot be read; was it cut short while sent?): send it again",
                chinese: "工作簿已损坏或不完整（可能传输中断）：请重新发送")
        }
        var entries: [String: Entry] = [:]
        for entry in archive {
            let key = entry.path.lowercased()
            if entries[key] != nil {
                throw XlsxFailure(
                    .malformedPart,
                    "the workbook holds part \(entry.path) twice (programs may show either copy): save it again from Excel or WPS",
                    chinese: "工作簿结构异常（同一部分出现两次）：请用 Excel 或 WPS 重新保存")
            }
            entries[key] = entry
        }
        self.entries = entries
        // The parts every workbook has, found through the package relationships.
        var rootRels = RelationshipsHandler()
        var workbookPart = "xl/workbook.xml"
        if entries["_rels/.rels"] != nil {
            var inflatedSoFar = 0
            try Self.read(archive, "_rels/.rels", limits, &inflatedSoFar, into: &rootRels, entries: entries)
            inflated += inflatedSoFar
            if let target = rootRels.targets.first(where: { $0.type.hasSuffix("/officeDocument") })?.target {
                workbookPart = Self.resolve(target, relativeTo: "")
            }
        }
        var book = WorkbookHandler()
        try Self.read(archive, workbookPart, limits, &inflated, into: &book, entries: entries)
        let base = workbookPart.contains("/") ? String(workbookPart[..<workbookPart.lastIndex(of: "/")!]) : ""
        let relsPart =
            (base.isEmpty ? "" : base + "/") + "_rels/" + (workbookPart.split(separator: "/").last ?? "") + ".rels"
        var rels = RelationshipsHandler()
        try Self.read(archive, relsPart, limits, &inflated, into: &rels, entries: entries)
        var byID: [String: (type: String, target: String)] = [:]
        for r in rels.targets { byID[r.id] = (r.type, Self.resolve(r.target, relativeTo: base)) }
        sheets = try book.sheets.map { sheet in
            guard let target = byID[sheet.rid] else {
                throw XlsxFailure(
                    .malformedPart, "the workbook lists sheet “\(sheet.name)” without its part",
                    chinese: "工作簿结构不完整（工作表“\(sheet.name)”缺失）：请用 Excel 或 WPS 重新保存")
            }
            return XlsxSheetInfo(name: sheet.name, part: target.target, state: sheet.state)
        }
        definedNames = book.definedNames
        date1904 = book.date1904
        if let part = rels.targets.first(where: { $0.type.hasSuffix("/sharedStrings") }).map({
            Self.resolve($0.target, relativeTo: base)
        }) {
            var strings = SharedStringsHandler()
            try Self.read(archive, part, limits, &inflated, into: &strings, entries: entries)
            sharedStrings = strings.strings
        } else {
            sharedStrings = []
        }
        if let part = rels.targets.first(where: { $0.type.hasSuffix("/styles") }).map({
            Self.resolve($0.target, relativeTo: base)
        }) {
            var styles = StylesHandler()
            try Self.read(archive, part, limits, &inflated, into: &styles, entries: entries)
            dateStyles = styles.cellFormats.map { id in
                if let code = styles.customFormats[id] { return Self.isDateFormat(code) }
                return Self.isBuiltInDate(id)
            }
        } else {
            dateStyles = []
        }
        var custom = CustomPropertiesHandler()
        if let target = rootRels.targets.first(where: { $0.type.hasSuffix("/custom-properties") })?.target {
            let part = Self.resolve(target, relativeTo: "")
            if entries[part.lowercased()] != nil {
                try Self.read(archive, part, limits, &inflated, into: &custom, entries: entries)
            }
        } else if entries["docprops/custom.xml"] != nil {
            try Self.read(archive, "docProps/custom.xml", limits, &inflated, into: &custom, entries: entries)
        }
        customProperties = custom.properties
    }

    /// Streams the rows of `sheet` in order to `body`; merged cells take their top-left cell's value
    /// (a merge is only known at the end of the sheet, so rows are handed over after the whole part).
    public func rows(of sheet: XlsxSheetInfo) throws -> [XlsxRow] {
        var handler = SheetHandler(
            shared: sharedStrings, dateStyles: dateStyles, date1904: date1904, limits: limits, sheet: sheet.name)
        try Self.read(archive, sheet.part, limits, &inflated, into: &handler, entries: entries)
        var rows = handler.rows
        if !handler.merges.isEmpty { try Self.fill(&rows, merges: handler.merges, sheet: sheet.name) }
        return rows
    }

    /// Copies each merged range's top-left value into its other cells: within the rows that exist
    /// and the columns any row uses (a merge reaching to XFD or to row 1,048,576 fills no more), and
    /// at most four times as many cells as the sheet holds (more is a damaged or hostile sheet).
    static func fill(
        _ rows: inout [XlsxRow], merges: [(top: Int, left: Int, bottom: Int, right: Int)], sheet: String
    ) throws {
        guard !rows.isEmpty else { return }
        let lastColumn = rows.map { $0.cells.last?.column ?? 0 }.max() ?? 0
        var budget = 4 * rows.reduce(0) { $0 + $1.cells.count } + 10_000
        /// The index of the first row numbered `number` or more (rows are in ascending order).
        func firstRow(_ number: Int) -> Int {
            var low = 0
            var high = rows.count
            while low < high {
                let mid = (low + high) / 2
                if rows[mid].number < number { low = mid + 1 } else { high = mid }
            }
            return low
        }
        for m in merges {
            let top = firstRow(m.top)
            guard top < rows.count, rows[top].number == m.top,
                let value = rows[top].cells.first(where: { $0.column == m.left })?.value
            else { continue }
            let right = min(m.right, lastColumn)
            guard right >= m.left else { continue }
            var i = top
            while i < rows.count && rows[i].number <= m.bottom {
                budget -= right - m.left + 1
                if budget < 0 {
                    throw XlsxFailure(
                        .tooLarge,
                        "sheet “\(sheet)”: its merged cells cover far more cells than the sheet holds (a damaged or hostile sheet); unmerge them and save again",
                        chinese: "工作表“\(sheet)”的合并单元格范围异常：请取消合并后重新保存")
                }
                var cells = rows[i].cells.filter { $0.column < m.left || $0.column > right }
                for column in m.left...right {
                    cells.append((column, value))
                    if rows[i].number != m.top || column != m.left { rows[i].merged.insert(column) }
                }
                cells.sort { $0.column < $1.column }
                rows[i].cells = cells
                i += 1
            }
        }
    }

    // MARK: - Parts

    static func read<H: XMLScanner.Handler>(
        _ archive: Archive, _ part: String, _ limits: XlsxLimits, _ inflated: inout Int, into handler: inout H,
        entries: [String: Entry]
    ) throws {
        guard let entry = entries[part.lowercased()] else {
            throw XlsxFailure(
                .missingPart, "the workbook has no part \(part): save it again from Excel or WPS as .xlsx",
                chinese: "工作簿缺少必要的组成部分（\(part)）：请用 Excel 或 WPS 重新保存为 .xlsx")
        }
        let compressed = max(Int(entry.compressedSize), 1)
        if Int(entry.uncompressedSize) > limits.maxPartBytes {
            throw tooLarge(part, limits)
        }
        // The sizes the zip declares first; then, while inflating, the bytes that really come (a
        // part may declare less than it holds).
        if Int(entry.uncompressedSize) > 1 << 20 && Int(entry.uncompressedSize) / compressed > limits.maxRatio {
            throw bomb(part, limits)
        }
        var scanner = XMLScanner()
        var count = 0
        var total = inflated
        do {
            let checksum = try archive.extract(entry, bufferSize: 64 * 1024) { chunk in
                count += chunk.count
                total += chunk.count
                if count > limits.maxPartBytes || total > limits.maxTotalBytes { throw tooLarge(part, limits) }
                if count > 1 << 20 && count / compressed > limits.maxRatio { throw bomb(part, limits) }
                try scanner.feed(chunk, to: &handler)
            }
            try scanner.finish(&handler)
            guard checksum == entry.checksum else {
                throw XlsxFailure(
                    .malformedPart,
                    "part \(part) does not match its checksum: the workbook is damaged (cut or changed in transit); send it again",
                    chinese: "工作簿已损坏（校验不符，可能传输中出错）：请重新发送")
            }
        } catch let failure as XlsxFailure {
            throw failure
        } catch let failure as XMLScanner.Failure {
            throw XlsxFailure(
                .malformedPart,
                "part \(part) is not well-formed XML (\(failure.description)): save it again from Excel or WPS",
                chinese: "工作簿内容损坏（\(part) 无法解析）：请用 Excel 或 WPS 重新保存")
        } catch {
            throw XlsxFailure(
                .malformedPart,
                "part \(part) cannot be inflated (\(error)): the workbook is damaged or incomplete; send it again",
                chinese: "工作簿已损坏或不完整：请重新发送")
        }
        inflated = total
    }

    static func bomb(_ part: String, _ limits: XlsxLimits) -> XlsxFailure {
        XlsxFailure(
            .tooLarge,
            "part \(part) inflates to more than \(limits.maxRatio) times its compressed size (a zip bomb?): not read; save the workbook again from Excel or WPS, or send the data as CSV",
            chinese: "工作簿内容异常（解压后体积超过压缩体积 \(limits.maxRatio) 倍），未读取：请用 Excel 或 WPS 重新保存，或改为报送 CSV 文件")
    }

    static func tooLarge(_ part: String, _ limits: XlsxLimits) -> XlsxFailure {
        XlsxFailure(
            .tooLarge,
            "part \(part) inflates beyond the limit of \(limits.maxPartBytes) bytes (or the workbook beyond \(limits.maxTotalBytes)): not read; send the data as CSV",
            chinese: "工作簿过大（解压后超过限制），未读取：请改为报送 CSV 文件")
    }

    /// A relationship target against the folder of the part that names it.
    static func resolve(_ target: String, relativeTo base: String) -> String {
        let target = target.removingPercentEncoding ?? target
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var parts = base.isEmpty ? [] : base.split(separator: "/").map(String.init)
        for piece in target.split(separator: "/") {
            if piece == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else if piece != "." {
                parts.append(String(piece))
            }
        }
        return parts.joined(separator: "/")
    }

    // MARK: - Number formats

    /// Built-in number formats that show dates or times (ECMA-376 18.8.30, with the CJK ones).
    static func isBuiltInDate(_ id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    /// A custom format shows a date when a date or time code appears outside quotes, escapes and
    /// brackets (`yyyy"年"m"月"`, `yyyy/mm/dd`, `[$-804]yyyy-mm`).
    static func isDateFormat(_ code: String) -> Bool {
        var inQuote = false
        var inBracket = false
        var escaped = false
        if code.lowercased() == "general" { return false }
        for ch in code.lowercased() {
            if escaped {
                escaped = false
                continue
            }
            if inQuote {
                if ch == "\"" { inQuote = false }
                continue
            }
            if inBracket {
                if ch == "]" { inBracket = false }
                continue
            }
            switch ch {
            case "\"": inQuote = true
            case "[": inBracket = true
            case "\\", "_", "*": escaped = true
            case "y", "m", "d", "h", "s": return true
            default: continue
            }
        }
        return false
    }
}
