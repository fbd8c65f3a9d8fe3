import CXlsxWriter
import Foundation

/// Document properties stored in the workbook's `docProps/core.xml` and `app.xml`.
public struct DocumentProperties: Sendable, Equatable {
    public var title: String?
    public var subject: String?
    public var author: String?
    public var manager: String?
    public var company: String?
    public var category: String?
    public var keywords: String?
    public var comments: String?
    /// The creation time written into the file. Fix it to make the same input give the same bytes.
    public var created: Date?

    public init(
        title: String? = nil, subject: String? = nil, author: String? = nil, manager: String? = nil,
        company: String? = nil, category: String? = nil, keywords: String? = nil, comments: String? = nil,
        created: Date? = nil
    ) {
        self.title = title
        self.subject = subject
        self.author = author
        self.manager = manager
        self.company = company
        self.category = category
        self.keywords = keywords
        self.comments = comments
        self.created = created
    }
}

/// An .xlsx file being written; owns the C `lxw_workbook`.
///
/// Nothing is written to disk until ``close()``. A workbook that is dropped without `close()` is
/// discarded: its memory is freed and no file is written. After `close()` (successful or not) every
/// worksheet, format and chart of this workbook refuses to work.
///
/// See <https://libxlsxwriter.github.io/workbook_8h.html>.
public final class Workbook {
    /// The C handle; `nil` once closed. Never leaves this module.
    private(set) var handle: UnsafeMutablePointer<lxw_workbook>?
    /// Where the file goes.
    public let path: String
    private var formatCache: [CellStyle: UnsafeMutablePointer<lxw_format>] = [:]
    /// Sheet names in the order they were added.
    public private(set) var sheetNames: [String] = []

    /// Starts a new workbook that will be written to `path` on ``close()``.
    ///
    /// - Parameters:
    ///   - path: the .xlsx file to write.
    ///   - constantMemory: flush each row once a later row is written, for very large sheets
    ///     (rows must then be written in order).
    ///   - temporaryDirectory: where libxlsxwriter keeps its temporary files.
    /// - Throws: ``XlsxError`` if libxlsxwriter cannot create the workbook.
    /// See <https://libxlsxwriter.github.io/workbook_8h.html>.
    public init(path: String, constantMemory: Bool = false, temporaryDirectory: String? = nil) throws {
        self.path = path
        let created: UnsafeMutablePointer<lxw_workbook>? = try XMLText.withPath(path, operation: "workbook_new_opt") {
            cPath in
            try XMLText.withPath(temporaryDirectory, operation: "workbook_new_opt") { cTmp in
                var options = lxw_workbook_options()
                options.constant_memory = constantMemory ? 1 : 0
                options.tmpdir = cTmp.map { UnsafeMutablePointer(mutating: $0) }
                options.use_zip64 = 1
                return workbook_new_opt(cPath, &options)
            }
        }
        guard let created else {
            throw XlsxError(
                misuse: "libxlsxwriter could not allocate the workbook", operation: "workbook_new_opt", context: path)
        }
        handle = created
    }

    deinit {
        // Dropped without close(): free without writing. This cannot fail.
        if let handle { lxw_workbook_free(handle) }
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    func requireOpen(_ operation: String, context: String = "") throws -> UnsafeMutablePointer<lxw_workbook> {
        guard let handle else {
            throw XlsxError(
                misuse: "the workbook is already closed", operation: operation,
                context: context.isEmpty ? path : context)
        }
        return handle
    }

    /// Writes the file and releases the C workbook. Idempotent: a second call does nothing.
    ///
    /// libxlsxwriter frees the workbook even when writing fails, so the workbook is closed afterwards
    /// whatever the outcome.
    /// See <https://libxlsxwriter.github.io/workbook_8h.html>.
    public func close() throws {
        guard let handle else { return }
        self.handle = nil
        formatCache.removeAll()
        try check(workbook_close(handle), "workbook_close", context: path)
    }

    // MARK: - Sheets

    /// Checks a sheet name against Excel's rules (at most 31 characters, none of `[]:*?/\`,
    /// no leading or trailing apostrophe, unique in the workbook), after XML-unsafe code points are
    /// replaced by U+FFFD (see ``XMLText``).
    /// See <https://libxlsxwriter.github.io/workbook_8h.html>.
    public func validateSheetName(_ name: String) throws {
        let handle = try requireOpen("workbook_validate_sheet_name", context: name)
        try XMLText.withCString(name, as: .plain) { cName in
            try check(
                workbook_validate_sheet_name(handle, cName), "workbook_validate_sheet_name", context: "sheet '\(name)'")
        }
    }

    /// Adds a worksheet named `name`; XML-unsafe code points in it become U+FFFD (see ``XMLText``),
    /// and the sheet's ``Worksheet/name`` and ``sheetNames`` hold the name as written.
    /// - Throws: ``XlsxError`` when the name breaks Excel's rules or is already used.
    /// See <https://libxlsxwriter.github.io/workbook_8h.html>.
    public func addWorksheet(named name: String) throws -> Worksheet {
        let handle = try requireOpen("workbook_add_worksheet", context: name)
        try validateSheetName(name)
        let name = XMLText.safe(name, as: .plain)
        let sheet = XMLText.withCString(name, as: .plain) { workbook_add_worksheet(handle, $0) }
        guard let sheet else {
            throw XlsxError(
                misuse: "libxlsxwriter refused the sheet", operation: "workbook_add_worksheet",
                context: "sheet '\(name)'")
        }
        sheetNames.append(name)
        return Worksheet(workbook: self, handle: sheet, name: name)
    }

    // MARK: - Formats

    /// The format for `style`, created once per distinct style and shared afterwards.
    /// See <https://libxlsxwriter.github.io/format_8h.html>.
    public func format(_ style: CellStyle) throws -> Format {
        let handle = try requireOpen("workbook_add_format")
        if let cached = formatCache[style] { return Format(workbook: self, handle: cached, style: style) }
        guard let format = workbook_add_format(handle) else {
            throw XlsxError(
                misuse: "libxlsxwriter could not allocate a format", operation: "workbook_add_format", context: path)
        }
        style.apply(to: format)
        formatCache[style] = format
        return Format(workbook: self, handle: format, style: style)
    }

    // MARK: - Properties

    /// Sets the document properties.
    /// See <https://libxlsxwriter.github.io/workbook_8h.html>.
    public func setProperties(_ properties: DocumentProperties) throws {
        let handle = try requireOpen("workbook_set_properties")
        var strings: [UnsafeMutablePointer<CChar>?] = []
        defer { for string in strings { free(string) } }
        func dup(_ value: String?) -> UnsafeMutablePointer<CChar>? {
            let copy = XMLText.duplicate(value, as: .plain)
            strings.append(copy)
            return copy
        }
        var props = lxw_doc_properties()
        props.title = dup(properties.title)
        props.subject = dup(properties.subject)
        props.author = dup(properties.author)
        props.manager = dup(properties.manager)
        props.company = dup(properties.company)
        props.category = dup(properties.category)
        props.keywords = dup(properties.keywords)
        props.comments = dup(properties.comments)
        props.created = properties.created.map(Self.creationTime) ?? 0
        try check(workbook_set_properties(handle, &props), "workbook_set_properties", context: path)
    }

    /// Sets a custom document property (docProps/custom.xml) holding text.
    /// See <https://libxlsxwriter.github.io/workbook_8h.html>.
    public func setCustomProperty(_ name: String, _ value: String) throws {
        let handle = try requireOpen("workbook_set_custom_property_string")
        try XMLText.withCString(name, as: .plain) { n in
            try XMLText.withCString(value, as: .plain) { v in
                try check(
                    workbook_set_custom_property_string(handle, n, v), "workbook_set_custom_property_string",
                    context: path)
            }
        }
    }

    /// Defines a workbook-level name, e.g. `defineName("Values", "=填报表!$F$6:$F$10")`.
    public func defineName(_ name: String, _ formula: String) throws {
        let handle = try requireOpen("workbook_define_name")
        try XMLText.withCString(name, as: .plain) { n in
            try XMLText.withCString(formula, as: .plain) { f in
                try check(workbook_define_name(handle, n, f), "workbook_define_name", context: path)
            }
        }
    }

    /// The creation time as whole seconds since 1970, clamped to what the file can state: `core.xml`
    /// holds a four-digit-year W3CDTF date, so times before 1970 (and NaN) become 1970-01-01 and
    /// times after 9999-12-31T23:59:59Z become that instant. Never traps, whatever the `Date`.
    static func creationTime(_ date: Date) -> time_t {
        let latest: Double = 253_402_300_799  // 9999-12-31T23:59:59Z
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { return seconds == .infinity ? time_t(latest) : 0 }
        return time_t(min(max(seconds, 0), latest).rounded(.down))
    }
}

/// A format (font, fill, border, number format) owned by its workbook.
public struct Format {
    let workbook: Workbook
    private let pointer: UnsafeMutablePointer<lxw_format>
    /// The style this format was made from.
    public let style: CellStyle
    /// The Excel number format, if any.
    public var numberFormat: String? { style.numberFormat }

    init(workbook: Workbook, handle: UnsafeMutablePointer<lxw_format>, style: CellStyle) {
        self.workbook = workbook
        self.pointer = handle
        self.style = style
    }

    /// The C pointer, only while the owning workbook is open.
    func handle(for operation: String) throws -> UnsafeMutablePointer<lxw_format> {
        _ = try workbook.requireOpen(operation)
        return pointer
    }
}
