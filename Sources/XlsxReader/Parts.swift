import Foundation

// The handlers of the parts a workbook is read from; each collects what the reader needs and
// nothing else (styles' fonts and fills, a sheet's formatting and drawings are passed over).

/// `*.rels`: relationship id → type and target.
struct RelationshipsHandler: XMLScanner.Handler {
    var targets: [(id: String, type: String, target: String)] = []
    var wantsText: Bool { false }
    mutating func start(_ name: String, _ a: [String: String]) throws {
        if name == "Relationship", let id = a["Id"], let target = a["Target"], a["TargetMode"] != "External" {
            targets.append((id, a["Type"] ?? "", target))
        }
    }
    mutating func end(_ name: String) throws {}
    mutating func text(_ text: String) throws {}
}

/// `xl/workbook.xml`: the sheets in order, the date system and the defined names.
struct WorkbookHandler: XMLScanner.Handler {
    var sheets: [(name: String, rid: String, state: String)] = []
    var date1904 = false
    var definedNames: [String: String] = [:]
    private var definedName: String?
    private var definedText = ""
    var wantsText: Bool { definedName != nil }

    mutating func start(_ name: String, _ a: [String: String]) throws {
        switch name {
        case "sheet":
            if let sheetName = a["name"], let rid = a["id"] {
                sheets.append((sheetName, rid, a["state"] ?? "visible"))
            }
        case "workbookPr":
            date1904 = a["date1904"] == "1" || a["date1904"] == "true"
        case "definedName":
            definedName = a["name"]
            definedText = ""
        default: break
        }
    }
    mutating func end(_ name: String) throws {
        if name == "definedName", let n = definedName {
            definedNames[n] = definedText
            definedName = nil
        }
    }
    mutating func text(_ text: String) throws { definedText += text }
}

/// `xl/sharedStrings.xml`: the text of every string item (rich-text runs joined, phonetic guides
/// left out).
struct SharedStringsHandler: XMLScanner.Handler {
    var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var inText = false
    private var phonetic = 0
    var wantsText: Bool { inText && phonetic == 0 }

    mutating func start(_ name: String, _ a: [String: String]) throws {
        switch name {
        case "si":
            inItem = true
            current = ""
        case "t": inText = inItem
        case "rPh": phonetic += 1
        default: break
        }
    }
    mutating func end(_ name: String) throws {
        switch name {
        case "si":
            strings.append(current)
            inItem = false
        case "t": inText = false
        case "rPh": phonetic -= 1
        default: break
        }
    }
    mutating func text(_ text: String) throws { current += text }
}

/// `xl/styles.xml`: the number format of each cell style (`cellXfs`), and the custom formats.
struct StylesHandler: XMLScanner.Handler {
    var customFormats: [Int: String] = [:]
    var cellFormats: [Int] = []
    private var inCellXfs = false
    var wantsText: Bool { false }

    mutating func start(_ name: String, _ a: [String: String]) throws {
        switch name {
        case "numFmt":
            if let id = a["numFmtId"].flatMap({ Int($0) }), let code = a["formatCode"] { customFormats[id] = code }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs: cellFormats.append(a["numFmtId"].flatMap { Int($0) } ?? 0)
        default: break
        }
    }
    mutating func end(_ name: String) throws {
        if name == "cellXfs" { inCellXfs = false }
    }
    mutating func text(_ text: String) throws {}
}

/// `docProps/custom.xml`: custom document properties as text.
struct CustomPropertiesHandler: XMLScanner.Handler {
    var properties: [String: String] = [:]
    private var name: String?
    private var depth = 0
    private var value = ""
    var wantsText: Bool { name != nil && depth > 0 }

    mutating func start(_ element: String, _ a: [String: String]) throws {
        if element == "property" {
            name = a["name"]
            value = ""
            depth = 0
        } else if name != nil {
            depth += 1
        }
    }
    mutating func end(_ element: String) throws {
        if element == "property" {
            if let name { properties[name] = value }
            name = nil
        } else if name != nil {
            depth -= 1
        }
    }
    mutating func text(_ text: String) throws { value += text }
}

/// A worksheet part: rows of cells with their values, and the merged ranges.
struct SheetHandler: XMLScanner.Handler {
    let shared: [String]
    let dateStyles: [Bool]
    let date1904: Bool
    let limits: XlsxLimits
    let sheet: String

    var rows: [XlsxRow] = []
    var merges: [(top: Int, left: Int, bottom: Int, right: Int)] = []

    private var inData = false
    private var row: XlsxRow?
    private var lastRow = 0
    private var lastColumn = 0
    // The cell being read.
    private var column = 0
    private var type = "n"
    private var style = 0
    private var value: String?
    private var formula: String?
    private var inline: String?
    private var capture: Capture = .none
    private var phonetic = 0

    private enum Capture { case none, value, formula, inlineText }

    init(shared: [String], dateStyles: [Bool], date1904: Bool, limits: XlsxLimits, sheet: String) {
        self.shared = shared
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.limits = limits
        self.sheet = sheet
    }

    var wantsText: Bool { capture != .none && phonetic == 0 }

    private func beyond(_ what: String) -> XlsxFailure {
        XlsxFailure(
            .beyondExcelLimits, "sheet “\(sheet)”: \(what)",
            chinese: "工作表“\(sheet)”超出 Excel 的行列范围：请用 Excel 或 WPS 重新保存")
    }

    private func malformed(_ what: String) -> XlsxFailure {
        XlsxFailure(
            .malformedPart, "sheet “\(sheet)”: \(what); save the workbook again from Excel or WPS",
            chinese: "工作表“\(sheet)”内容损坏：请用 Excel 或 WPS 重新保存")
    }

    mutating func start(_ name: String, _ a: [String: String]) throws {
        switch name {
        case "sheetData": inData = true
        case "row" where inData:
            let number: Int
            if let r = a["r"] {
                guard let n = Int(r), n > lastRow else { throw malformed("row number “\(r)” out of order") }
                number = n
            } else {
                number = lastRow + 1
            }
            guard number <= limits.maxRows else {
                throw beyond("row \(number) is beyond the limit of \(limits.maxRows) rows")
            }
            lastRow = number
            lastColumn = 0
            row = XlsxRow(number: number, cells: [])
        case "c" where row != nil:
            if let ref = a["r"] {
                guard let (c, r) = Self.parseReference(ref), r == row!.number, c > lastColumn else {
                    throw malformed("cell reference “\(ref)” does not fit row \(row!.number)")
                }
                column = c
            } else {
                column = lastColumn + 1
            }
            guard column <= limits.maxColumns else {
                throw beyond("column \(column) is beyond the limit of \(limits.maxColumns) columns")
            }
            lastColumn = column
            type = a["t"] ?? "n"
            style = a["s"].flatMap { Int($0) } ?? 0
            value = nil
            formula = nil
            inline = nil
        case "v" where row != nil:
            capture = .value
            value = value ?? ""
        case "f" where row != nil:
            capture = .formula
            formula = formula ?? ""
        case "is" where row != nil: inline = ""
        case "t" where inline != nil: capture = .inlineText
        case "rPh": phonetic += 1
        case "mergeCell":
            if let ref = a["ref"] {
                let parts = ref.split(separator: ":")
                if parts.count == 2, let (l, t) = Self.parseReference(String(parts[0])),
                    let (r, b) = Self.parseReference(String(parts[1])), l <= r, t <= b
                {
                    guard b <= limits.maxRows, r <= limits.maxColumns else {
                        throw beyond(
                            "the merged range \(ref) is beyond Excel's \(limits.maxRows) rows or \(limits.maxColumns) columns"
                        )
                    }
                    merges.append((t, l, b, r))
                }
            }
        default: break
        }
    }

    mutating func end(_ name: String) throws {
        switch name {
        case "sheetData": inData = false
        case "row":
            if let r = row, !r.cells.isEmpty { rows.append(r) }
            row = nil
        case "c" where row != nil:
            if let v = try cellValue() { row!.cells.append((column, v)) }
        case "v", "f": capture = .none
        case "t" where capture == .inlineText: capture = .none
        case "rPh": phonetic -= 1
        default: break
        }
    }

    mutating func text(_ text: String) throws {
        switch capture {
        case .value: value! += text
        case .formula: formula! += text
        case .inlineText: inline! += text
        case .none: break
        }
    }

    private func cellValue() throws -> XlsxValue? {
        switch type {
        case "s":
            guard let v = value else { return nil }
            guard let i = Int(v.trimmingCharacters(in: .whitespaces)), i >= 0, i < shared.count else {
                throw malformed("a shared string index “\(v)” that the workbook does not have")
            }
            return shared[i].isEmpty ? nil : .text(shared[i])
        case "inlineStr":
            guard let inline, !inline.isEmpty else { return nil }
            return .text(inline)
        case "str":
            if let value { return value.isEmpty ? nil : .text(value) }
            return formula.map { .formulaWithoutValue("=" + $0) }
        case "b":
            guard let v = value else { return formula.map { .formulaWithoutValue("=" + $0) } }
            return .bool(v == "1" || v == "true")
        case "e":
            let code = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return .error(code.isEmpty ? "#VALUE!" : code)
        default:  // "n", or "d" (an ISO 8601 date, written by few tools)
            guard let raw = value?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                return formula.map { .formulaWithoutValue("=" + $0) }
            }
            if type == "d" {
                let p = raw.prefix(10).split(separator: "-").compactMap { Int($0) }
                // Not a whole date: the text as written, for the field rules to judge.
                guard p.count == 3 else { return .text(raw) }
                return .date(year: p[0], month: p[1], day: p[2])
            }
            // Only what a writer stores for a number (no sign but '-', no hexadecimal, no NaN or
            // infinity); anything else is the text as written, which the field rules reject with
            // the reason, on its row.
            guard Self.isNumberText(raw), let number = Double(raw), number.isFinite else { return .text(raw) }
            if style < dateStyles.count, dateStyles[style], let day = Self.calendarDay(number, date1904: date1904) {
                return .date(year: day.0, month: day.1, day: day.2)
            }
            return .number(Self.decimal(raw, number))
        }
    }

    /// `B12` → (column 2, row 12); `$B$12` too.
    static func parseReference(_ ref: String) -> (Int, Int)? {
        var column = 0
        var row = 0
        var sawRow = false
        for byte in ref.utf8 {
            // Letters in either case (some writers use lower case).
            let u = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte
            switch u {
            case UInt8(ascii: "$"): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where !sawRow:
                column = column * 26 + Int(u - UInt8(ascii: "A")) + 1
                if column > 1 << 20 { return nil }
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawRow = true
                row = row * 10 + Int(u - UInt8(ascii: "0"))
                if row > 1 << 24 { return nil }
            default: return nil
            }
        }
        return column > 0 && row > 0 ? (column, row) : nil
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?`: how spreadsheet XML writes a number.
    static func isNumberText(_ raw: String) -> Bool {
        var bytes = Array(raw.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            let n = bytes.prefix { (0x30...0x39).contains($0) }.count
            bytes = bytes.dropFirst(n)
            return n
        }
        var count = digits()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            count += digits()
        }
        guard count > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
            }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// The number as a plain decimal: a whole number as written, whatever its digits (credit codes
    /// and other identifiers are stored as numbers by some programs); otherwise as written when that
    /// has at most 15 significant digits and no exponent (what Excel shows), else rounded to 15
    /// significant digits, as Excel does, so that a stored `0.30000000000000004` reads `0.3`. Zero,
    /// `-0` included, is `0`.
    static func decimal(_ raw: String, _ number: Double) -> String {
        if number == 0 { return "0" }
        if raw.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            let trimmed = raw.drop { $0 == "0" }
            return trimmed.isEmpty ? "0" : String(trimmed)
        }
        var digits = 0
        var plain = true
        var leading = true
        for u in raw.utf8 {
            switch u {
            case UInt8(ascii: "0"):
                if !leading { digits += 1 }
            case UInt8(ascii: "1")...UInt8(ascii: "9"):
                leading = false
                digits += 1
            case UInt8(ascii: "."): continue
            case UInt8(ascii: "-") where u == raw.utf8.first: continue
            default: plain = false
            }
        }
        if plain && digits <= 15 { return trimmed(raw) }
        if number == 0 { return "0" }
        // d.dddddddddddddde±x → a plain decimal.
        let text = String(format: "%.14e", number)
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: "e")
        let mantissa = parts[0].replacingOccurrences(of: ".", with: "")
        let exponent = Int(parts[1])!
        var out: String
        if exponent >= 0 {
            if mantissa.count <= exponent + 1 {
                out = mantissa + String(repeating: "0", count: exponent + 1 - mantissa.count)
            } else {
                let cut = mantissa.index(mantissa.startIndex, offsetBy: exponent + 1)
                out = mantissa[..<cut] + "." + mantissa[cut...]
            }
        } else {
            out = "0." + String(repeating: "0", count: -exponent - 1) + mantissa
        }
        out = trimmed(out)
        return negative ? "-" + out : out
    }

    /// Without trailing zeros after a decimal point (and without the point when nothing follows).
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    /// The calendar day of a date serial (the 1900 system counts a 29 February 1900 that never
    /// was: serial 60; serials before it are one day later than their count).
    static func calendarDay(_ serial: Double, date1904: Bool) -> (Int, Int, Int)? {
        guard serial >= 0, serial < 3_000_000 else { return nil }
        // To the millisecond first, as Excel shows a time: 45626.99999999999 is midnight of 45627.
        let whole = Int(((serial * 86_400_000).rounded() / 86_400_000).rounded(.down))
        var days: Int  // since 1970-01-01
        if date1904 {
            days = whole - 24_107  // 1904-01-01 is day -24107
        } else {
            if whole == 60 { return (1900, 2, 29) }
            days = whole - (whole < 60 ? 25_568 : 25_569)
        }
        // Civil from days (H. Hinnant).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
