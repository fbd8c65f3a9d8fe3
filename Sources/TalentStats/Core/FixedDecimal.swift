/// An exact decimal number with nine fixed decimal places, stored as an `Int128` count of 10⁻⁹.
///
/// Every figure talentstats publishes is a sum of decimals read from text, so binary floating
/// point (where 0.1 + 0.2 ≠ 0.3) is never used for them. Nine places hold any value given in 元 with
/// up to five decimals once converted to 万元, and the integer part has room for 10²⁹. Input values
/// are limited to ``maxInputMagnitude`` so that no sum over any realistic number of rows can overflow.
public struct FixedDecimal: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Decimal places kept.
    public static let scale = 9
    /// 10^scale.
    public static let unit: Int128 = 1_000_000_000
    /// The largest value accepted from input, in a metric's own unit (10¹²).
    public static let maxInputMagnitude = FixedDecimal(units: 1_000_000_000_000 * unit)

    /// The value times 10⁹.
    public var units: Int128

    public init(units: Int128) { self.units = units }
    public init(_ integer: Int) { self.units = Int128(integer) * Self.unit }

    public static let zero = FixedDecimal(units: 0)

    public static func < (a: Self, b: Self) -> Bool { a.units < b.units }
    // Sums cannot overflow: a run holds at most 2³² observations (`Validator`), each at most
    // 10¹² (10²¹ units), and every sum counts an observation once, so |sum| ≤ 4.3 × 10³⁰ units,
    // far below Int128's 1.7 × 10³⁸.
    public static func + (a: Self, b: Self) -> Self { Self(units: a.units + b.units) }
    public static func += (a: inout Self, b: Self) { a.units += b.units }
    public static func - (a: Self, b: Self) -> Self { Self(units: a.units - b.units) }

    public var isZero: Bool { units == 0 }
    public var isWholeNumber: Bool {
        // 64-bit remainder when the value fits (it nearly always does): 128-bit division is slow.
        if let small = Int64(exactly: units) { return small % 1_000_000_000 == 0 }
        return units % Self.unit == 0
    }

    /// Parses plain ASCII decimal text: digits with at most one `.`, no sign, no exponent,
    /// no separators. Returns `nil` for anything else or more than nine decimals.
    public init?(plain text: Substring) {
        var integerPart: Int128 = 0
        var fraction: Int128 = 0
        var fractionDigits = 0
        var seenDot = false
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let d = Int128(byte - UInt8(ascii: "0"))
                digits += 1
                if seenDot {
                    fractionDigits += 1
                    if fractionDigits > Self.scale { if d != 0 { return nil } else { continue } }
                    fraction = fraction * 10 + d
                } else {
                    integerPart = integerPart * 10 + d
                    if integerPart > 1_000_000_000_000_000_000 { return nil }  // far beyond any limit
                }
            case UInt8(ascii: "."):
                if seenDot { return nil }
                seenDot = true
            default:
                return nil
            }
        }
        guard digits > 0 else { return nil }
        var scaledFraction = fraction
        for _ in 0..<(Self.scale - min(fractionDigits, Self.scale)) { scaledFraction *= 10 }
        units = integerPart * Self.unit + scaledFraction
    }

    /// The value multiplied by 10^`exponent` (negative to divide); `nil` if that would need more
    /// than nine decimal places or more than Int128 holds.
    public func shifted(by exponent: Int) -> FixedDecimal? {
        var value = units
        if exponent >= 0 {
            for _ in 0..<exponent {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
        } else {
            for _ in 0..<(-exponent) {
                guard value % 10 == 0 else { return nil }
                value /= 10
            }
        }
        return FixedDecimal(units: value)
    }

    /// The plain text of the value: no exponent, no separators, no trailing zeros (`1205000.5`, `267500`).
    public var description: String {
        let negative = units < 0
        let magnitude = negative ? -units : units
        let integerPart = magnitude / Self.unit
        var fraction = magnitude % Self.unit
        var text = negative ? "-" : ""
        text += String(integerPart)
        if fraction != 0 {
            var places = Self.scale
            while fraction % 10 == 0 {
                fraction /= 10
                places -= 1
            }
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return text
    }

    /// The nearest `Double`, for spreadsheet cells (which hold binary floating point).
    public var doubleValue: Double {
        // Integer and fraction converted separately so that values with few digits convert exactly
        // as their decimal text would.
        Double(description) ?? 0
    }

    /// The outcome of ``quotient(_:_:minus:places:)``.
    public enum Quotient: Sendable, Equatable {
        case value(FixedDecimal)
        /// The denominator is zero.
        case undefined
        /// The exact result does not fit a `FixedDecimal` (|result| above about 1.7 × 10²⁹, e.g.
        /// 10²¹ × 10¹² / 10⁻⁹ after many maximal values over a minimal one).
        case outOfRange
    }

    /// `numerator / denominator − offset`, rounded half away from zero to `places` decimals;
    /// `nil` when the denominator is zero or the result is out of range (``quotient(_:_:minus:places:)``
    /// tells the two apart).
    public static func ratio(
        _ numerator: FixedDecimal, _ denominator: FixedDecimal, minus offset: Int = 0, places: Int = 6
    ) -> FixedDecimal? {
        if case .value(let v) = quotient(numerator, denominator, minus: offset, places: places) { return v }
        return nil
    }

    /// `numerator / denominator − offset`, rounded half away from zero to `places` decimals.
    ///
    /// Computed as `(numerator − offset × denominator) / denominator` in exact integers, so the
    /// rounding applies to the final result (−0.0000005 becomes −0.000001, not 0). Every step is
    /// checked: a result Int128 cannot hold is ``Quotient/outOfRange``, never a trap.
    public static func quotient(
        _ numerator: FixedDecimal, _ denominator: FixedDecimal, minus offset: Int = 0, places: Int = 6
    ) -> Quotient {
        guard !denominator.isZero, (0...scale).contains(places) else { return .undefined }
        var power: Int128 = 1
        for _ in 0..<places { power *= 10 }
        let d = denominator.units
        let (shift, o1) = Int128(offset).multipliedReportingOverflow(by: d)
        let (n, o2) = numerator.units.subtractingReportingOverflow(shift)
        let (product, o3) = n.multipliedReportingOverflow(by: power)
        if o1 || o2 || o3 { return .outOfRange }
        if d == -1 && product == .min { return .outOfRange }  // the one quotient Int128 cannot hold
        var q = product / d
        let r = product % d
        if r.magnitude * 2 >= d.magnitude { q += ((product < 0) != (d < 0)) ? -1 : 1 }
        for _ in 0..<(scale - places) {
            let (next, overflow) = q.multipliedReportingOverflow(by: 10)
            if overflow { return .outOfRange }
            q = next
        }
        return .value(FixedDecimal(units: q))
    }
}
