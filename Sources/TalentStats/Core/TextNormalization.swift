import Foundation

/// Folding of the text variants that hand-typed Chinese spreadsheets contain.
public enum TextNormalization {
    /// Folds full-width ASCII forms (`１２３`, `，`, `．`, `（`) to ASCII, the ideographic space to a space,
    /// and `、`/`。` are left alone.
    public static func foldWidth(_ text: String) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where scalar.value >= 0x3000 {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: out.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000: out.append(" ")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// What ``clean(_:)`` trims: every Unicode space and line break (the White_Space property: tab,
    /// NBSP U+00A0, U+2000–U+200A, U+202F, U+205F, the ideographic space U+3000, …) and the invisible
    /// characters spreadsheets carry in pasted text (BOM U+FEFF, zero-width space U+200B, word joiner
    /// U+2060). One definition for every rule, so a cell of NBSP and a cell of U+3000 are treated alike.
    public static let spaces = CharacterSet.whitespacesAndNewlines.union(
        CharacterSet(charactersIn: "\u{FEFF}\u{200B}\u{2060}\u{180E}"))

    /// Width-folded and trimmed of ``spaces``.
    public static func clean(_ text: String) -> String {
        trimmed(foldWidth(text), of: spaces)
    }

    /// `text.trimmingCharacters(in: set)`, without Foundation's bridged string when neither end is
    /// in `set` (the usual case: a cell without stray spaces). A printable ASCII character other
    /// than the space is in no set this is used with (``spaces``, `.whitespaces`).
    static func trimmed(_ text: String, of set: CharacterSet) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return text }
        func kept(_ scalar: Unicode.Scalar) -> Bool {
            (0x21...0x7E).contains(scalar.value) || !set.contains(scalar)
        }
        if kept(first) && kept(last) { return text }
        return text.trimmingCharacters(in: set)
    }

    /// The form used to match names: cleaned and lower-cased.
    public static func key(_ text: String) -> String {
        clean(text).lowercased()
    }
}

extension TextNormalization {
    /// Characters a reader cannot see, or that make text show as other text: C0 and C1 controls,
    /// DEL, the noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two of every plane), format
    /// characters (zero-width space and joiners, soft hyphen, BOM, bidirectional overrides such as
    /// U+202E) and the line and paragraph separators. Messages and file names show them escaped.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) || (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE {
            return true
        }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// Raw input quoted in a message: invisible characters (``isInvisible(_:)``) shown as `\u{XX}`,
    /// and text longer than `limit` characters cut with its length stated, so that a broken file
    /// cannot produce a message larger than a spreadsheet cell holds.
    public static func excerpt(_ text: String, limit: Int = 60) -> String {
        var out = ""
        var count = 0
        for character in text {
            if count == limit {
                return out + "…(\(text.count) characters)"
            }
            if character.unicodeScalars.contains(where: isInvisible) {
                out += character.unicodeScalars.map {
                    isInvisible($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0)
                }.joined()
            } else {
                out.append(character)
            }
            count += 1
        }
        return out
    }
}
