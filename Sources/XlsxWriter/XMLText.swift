import Foundation

/// Makes caller text safe to hand to libxlsxwriter, which copies strings into the package's XML
/// parts without removing the code points XML 1.0 forbids.
///
/// This is the only file of the module that turns a Swift `String` into a C string: every API that
/// takes caller text goes through ``withCString(_:as:_:)`` or ``duplicate(_:as:)``, so no text can
/// reach the XML unchecked (`XMLSafetyTests` scans the sources to keep it so).
///
/// XML 1.0 allows only `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`.
/// Swift strings never hold lone surrogates, so the code points to deal with are U+0000–U+001F
/// other than tab, LF and CR, and U+FFFE, U+FFFF. A NUL would also cut the C string short.
/// U+007F–U+009F (DEL and the C1 controls) are allowed but discouraged by XML 1.0 §2.2 and are
/// invisible; they are treated like the forbidden ones.
///
/// - ``Kind/cell``: cell text (shared or inline strings), where Excel decodes the OOXML `_xHHHH_`
///   escape (ECMA-376 Part 1, §22.9.2.19 ST_Xstring). Every such code point, and CR (which an XML
///   parser would turn into LF), becomes `_xHHHH_`, and a literal `_xHHHH_` already in the text
///   becomes `_x005F_xHHHH_`, so the cell reads back exactly as written. libxlsxwriter 1.1.4 itself
///   escapes C0 controls in cells but neither U+FFFE/U+FFFF nor literal `_xHHHH_`; after this
///   escaping no C0 control is left, so nothing is escaped twice.
/// - ``Kind/plain``: everywhere `_xHHHH_` is not reliably decoded (sheet names, table headers,
///   document properties, header/footer, chart titles and series names, number formats, font names,
///   hyperlink text, formulas): each such code point (and NUL) becomes U+FFFD, the replacement
///   character, which shows that something was there without inventing text.
/// - ``Kind/cellAndAttribute``: text libxlsxwriter writes both into a cell and into an attribute
///   (table headers into `tableColumn name`, hyperlink text into `display`): U+FFFD as for plain
///   text, and a literal `_xHHHH_` escaped as in cells, so the cell reads back as the attribute says.
public enum XMLText {
    public enum Kind: Sendable {
        /// Cell text: lossless `_xHHHH_` escaping.
        case cell
        /// Everything else: replaced by U+FFFD.
        case plain
        /// Both at once: U+FFFD, and literal `_xHHHH_` escaped.
        case cellAndAttribute
    }

    /// The replacement for an unsafe code point outside cells.
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// Whether XML 1.0 forbids `scalar`, or (U+007F–U+009F) discourages it.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: true
        default: false
        }
    }

    /// `text` made safe for `kind` (see the type's documentation).
    public static func safe(_ text: String, as kind: Kind) -> String {
        switch kind {
        case .plain:
            guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
            var out = String.UnicodeScalarView()
            for scalar in text.unicodeScalars { out.append(isUnsafe(scalar) ? replacement : scalar) }
            return String(out)
        case .cell:
            return escapedForCell(text)
        case .cellAndAttribute:
            return escapedForCell(safe(text, as: .plain))
        }
    }

    /// Calls `body` with a NUL-terminated C string of `text` made safe for `kind`.
    public static func withCString<R>(_ text: String, as kind: Kind, _ body: (UnsafePointer<CChar>) throws -> R)
        rethrows -> R
    {
        try safe(text, as: kind).withCString(body)
    }

    /// Like ``withCString(_:as:_:)`` for an optional; `body` gets `nil` for `nil`.
    static func withOptionalCString<R>(_ text: String?, as kind: Kind, _ body: (UnsafePointer<CChar>?) throws -> R)
        rethrows -> R
    {
        guard let text else { return try body(nil) }
        return try withCString(text, as: kind) { try body($0) }
    }

    /// A `malloc`ed copy of `text` made safe for `kind`, for C structs that hold strings; the caller
    /// `free`s it. `nil` for `nil`.
    static func duplicate(_ text: String?, as kind: Kind) -> UnsafeMutablePointer<CChar>? {
        text.flatMap { strdup(safe($0, as: kind)) }
    }

    /// Calls `body` with a C string of a file-system path, which is not XML text and is never changed:
    /// a path holding NUL is refused rather than silently cut short.
    static func withPath<R>(_ path: String?, operation: String, _ body: (UnsafePointer<CChar>?) throws -> R) throws -> R
    {
        guard let path else { return try body(nil) }
        guard !path.utf8.contains(0) else {
            throw XlsxError(
                misuse: "the path contains a NUL character", operation: operation,
                context: path.replacingOccurrences(of: "\0", with: "\\0"))
        }
        return try path.withCString { try body($0) }
    }

    // MARK: - The `_xHHHH_` escape

    private static func escapedForCell(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains(where: { isUnsafe($0) || $0 == "\r" || $0 == "_" }) else { return text }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if isUnsafe(scalar) || scalar == "\r" {
                out.append(contentsOf: String(format: "_x%04X_", scalar.value).unicodeScalars)
            } else if scalar == "_" && isEscapeSequence(scalars, at: i) {
                // A literal `_xHHHH_`: escape its underscore so that Excel does not decode it.
                out.append(contentsOf: "_x005F_".unicodeScalars)
            } else {
                out.append(scalar)
            }
            i += 1
        }
        return String(out)
    }

    /// Whether `_xHHHH_` (lower-case `x`, hex digits in either case, as Excel decodes it) starts at `i`.
    private static func isEscapeSequence(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        guard i + 7 <= scalars.count, scalars[i] == "_", scalars[i + 1] == "x", scalars[i + 6] == "_" else {
            return false
        }
        return scalars[(i + 2)..<(i + 6)].allSatisfy { $0.properties.isASCIIHexDigit }
    }
}
