/// The rules that turn a raw cell into a typed value. Each failure says which field it is about,
/// its reason code (and, where the Chinese depends on it, which case of the code it is) and, in
/// English, what was found and what was expected.
enum FieldRules {
    /// The field of an observation a rule is about; the raw value is the word messages use.
    enum Field: String, Sendable, Equatable, CaseIterable {
        case period, district, metric, value, unit, entity
    }

    struct Failure: Error, Equatable {
        let code: RejectCode
        /// The field the failure is about (for `missing_field`, the first empty one): the column and
        /// the excerpt a rejection shows follow from it.
        let field: Field
        let message: String
        /// Which of a code's cases this is, where the Chinese text depends on it.
        var detail: RejectDetail = .none
        /// The Chinese text of what is wrong, where the detail alone does not say it.
        var chinese: String? = nil
    }

    static func period(_ raw: String) -> Result<YearMonth, Failure> {
        let text = TextNormalization.clean(raw)
        if let period = YearMonth(parsing: text) { return .success(period) }
        return .failure(
            Failure(
                code: .badPeriod, field: .period,
                message:
                    "period '\(TextNormalization.excerpt(raw))' is not a month between \(YearMonth.validYears.lowerBound) and \(YearMonth.validYears.upperBound); expected e.g. 2024-01, 202401, 2024/01 or 2024年1月"
            ))
    }

    /// A non-negative decimal as people type it: thousands separators in groups of three,
    /// surrounding spaces and full-width digits are accepted; signs, exponents, spaces inside,
    /// `NaN`, `inf` and hexadecimal are not.
    static func number(_ raw: String) -> Result<FixedDecimal, Failure> {
        let text = TextNormalization.clean(raw)
        func bad(_ why: String) -> Result<FixedDecimal, Failure> {
            .failure(
                Failure(
                    code: .badValue, field: .value,
                    message:
                        "value '\(TextNormalization.excerpt(raw))' \(why); expected a non-negative number such as 13673 or 1,205,000.5"
                ))
        }
        if text.hasPrefix("-") || text.hasPrefix("+") { return bad("has a sign") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return bad("has more than one decimal point") }
        let integerPart = parts[0]
        if let fraction = parts.dropFirst().first, fraction.contains(",") {
            return bad("has a thousands separator after the decimal point")
        }
        var digits = Substring(integerPart)
        if integerPart.contains(",") {
            let groups = integerPart.split(separator: ",", omittingEmptySubsequences: false)
            guard let head = groups.first, (1...3).contains(head.count),
                groups.dropFirst().allSatisfy({ $0.count == 3 })
            else {
                return bad("has misplaced thousands separators")
            }
            digits = Substring(groups.joined())
        }
        let plain = parts.count == 2 ? digits + "." + parts[1] : digits
        guard !plain.isEmpty, plain.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }) else {
            return bad(text.contains(" ") ? "has a space inside" : "is not a decimal number")
        }
        guard let value = FixedDecimal(plain: plain) else {
            let decimals = parts.count == 2 ? parts[1].count : 0
            return bad(
                decimals > FixedDecimal.scale
                    ? "has more than \(FixedDecimal.scale) decimal places"
                    : "is larger than \(FixedDecimal.maxInputMagnitude)")
        }
        guard value <= FixedDecimal.maxInputMagnitude else {
            return bad("is larger than \(FixedDecimal.maxInputMagnitude)")
        }
        return .success(value)
    }

    /// The value in the metric's own unit.
    static func converted(_ value: FixedDecimal, unitText: String, metric: Metric) -> Result<FixedDecimal, Failure> {
        let written = TextNormalization.clean(unitText)
        var unit = metric.unit
        if !written.isEmpty {
            guard let parsed = MeasureUnit.parse(written) else {
                return .failure(
                    Failure(
                        code: .badUnit, field: .unit,
                        message:
                            "unit '\(TextNormalization.excerpt(unitText))' is not known; expected \(MeasureUnit.symbols(of: metric.unit.dimension).joined(separator: ", ")) for \(metric.nameZh)"
                    ))
            }
            unit = parsed
        }
        guard let exponent = unit.exponent(to: metric.unit) else {
            return .failure(
                Failure(
                    code: .badUnit, field: .unit,
                    message:
                        "unit '\(TextNormalization.excerpt(unitText))' does not measure \(metric.nameZh); expected \(MeasureUnit.symbols(of: metric.unit.dimension).joined(separator: ", "))"
                ))
        }
        guard let result = value.shifted(by: exponent), result <= FixedDecimal.maxInputMagnitude else {
            // Converting up (万人 → 人) can only overflow; converting down (元 → 万元) can only lose places.
            let why =
                exponent > 0
                ? "is larger than \(FixedDecimal.maxInputMagnitude) \(metric.unit.symbol) once converted"
                : "cannot be held exactly in \(metric.unit.symbol) (more than \(FixedDecimal.scale) decimal places once converted)"
            return .failure(Failure(code: .badValue, field: .value, message: "value \(value) \(unit.symbol) \(why)"))
        }
        if metric.integer && !result.isWholeNumber {
            let converted = exponent == 0 ? "" : " (\(value) \(unit.symbol) is \(result) \(metric.unit.symbol))"
            return .failure(
                Failure(
                    code: .badValue, field: .value,
                    message:
                        "\(metric.nameZh) must be a whole number of \(metric.unit.symbol); got \(result)\(converted)",
                    detail: .notWholeNumber))
        }
        return .success(result)
    }
}
