import Foundation

/// How wide text shows in a spreadsheet cell, in Excel's character units.
///
/// libxlsxwriter 1.1.4 has no autofit, so column widths are computed from content: East Asian wide
/// and full-width characters (CJK ideographs, kana, hangul, full-width forms) count as two.
public enum DisplayWidth {
    /// The display width of `text`; for several lines, of its longest line.
    public static func of(_ text: String) -> Double {
        var widest = 0.0
        var current = 0.0
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                widest = max(widest, current)
                current = 0
                continue
            }
            current += isWide(scalar) ? 2 : 1
        }
        return max(widest, current)
    }

    /// Whether a scalar takes two columns (Unicode East Asian Width W or F, approximately).
    public static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// An estimate of the width of `number` shown with an Excel number format such as `#,##0.00` or `0.0%`.
    ///
    /// Defined for every `Double`: the integer digits come from `log10`, never from converting the
    /// number to an integer, so magnitudes up to `greatestFiniteMagnitude` are measured (Excel shows
    /// them in full up to about 1E+307). NaN and infinities give 8.
    public static func estimate(number: Double, numberFormat: String?) -> Double {
        guard number.isFinite else { return 8 }
        let format = numberFormat ?? "General"
        // Byte-level reading of the format (Foundation's `contains` on String is slow per cell).
        let bytes = format.utf8
        let percent = bytes.contains(UInt8(ascii: "%"))
        let decimals =
            bytes.firstIndex(of: UInt8(ascii: ".")).map { dot in
                bytes[bytes.index(after: dot)...].prefix { $0 == UInt8(ascii: "0") }.count
            } ?? (format == "General" ? 2 : 0)
        let shown = percent ? abs(number) * 100 : abs(number)
        let integerDigits = Self.integerDigits(shown)
        let separators = bytes.contains(UInt8(ascii: ",")) ? (integerDigits - 1) / 3 : 0
        return Double(
            integerDigits + separators + (decimals > 0 ? decimals + 1 : 0) + (percent ? 1 : 0) + (number < 0 ? 1 : 0))
    }

    /// The number of digits before the decimal point of a non-negative `value` (at least 1); `inf`
    /// (×100 of a huge percentage) counts as 310 digits, more than any finite `Double` has.
    static func integerDigits(_ value: Double) -> Int {
        guard value.isFinite else { return 310 }
        let whole = value.rounded(.down)
        guard whole >= 1 else { return 1 }
        // floor(log10) can be off by one next to a power of ten; correct it with exact comparisons.
        var digits = Int(log10(whole).rounded(.down)) + 1  // at most 309: cannot trap
        if digits > 1, whole < pow(10, Double(digits - 1)) { digits -= 1 }
        if digits < 309, whole >= pow(10, Double(digits)) { digits += 1 }
        return digits
    }
}
