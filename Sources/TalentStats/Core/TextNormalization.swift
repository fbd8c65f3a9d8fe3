import Foundation

/// Folding of the text variants that hand-typed Chinese spreadsheets contain.
public enum TextNormalization {
    /// Folds full-width ASCII forms (`１２３`, `，`, `．`, `（`) to ASCII, the ideographic space to a space,
    /// and `、`/`。` are left alone.
    public static func foldWidth(_ text: String) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where scalar.value >= 0x3000 { needsWork = true; break }
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

    /// Width-folded and trimmed of white space (including the ideographic space and a BOM).
    public static func clean(_ text: String) -> String {
        foldWidth(text).trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}")))
    }

    /// The form used to match names: cleaned and lower-cased.
    public static func key(_ text: String) -> String {
        clean(text).lowercased()
    }
}
